/**
 * The stores in a relay's data directory, by the names of the files and folders each
 * keeps at its top level (a store's name is a prefix: `tasks.db` also covers its
 * `-wal` and `-shm` files, `audit` the folder of its segments). Sizes on
 * /metrics and the store named in STORAGE_FULL come from here.
 */
export interface StoreLayout {
  store: string
  prefixes: readonly string[]
}

export const STORES: readonly StoreLayout[] = [
  { store: 'tasks', prefixes: ['tasks.db'] },
  { store: 'datasets', prefixes: ['datasets.duckdb', 'tmp'] },
  { store: 'blockstore', prefixes: ['blocks'] },
  { store: 'vectors', prefixes: ['vectors'] },
  { store: 'graphs', prefixes: ['graphs'] },
  { store: 'search', prefixes: ['search'] },
  { store: 'cache', prefixes: ['cache.db'] },
  { store: 'audit', prefixes: ['audit'] },
  { store: 'files', prefixes: ['files'] },
  { store: 'peers', prefixes: ['peers.db', 'peerbook.db', 'datastore'] },
]

/** What the data directory holds that no store above claims (the lock file, leftovers). */
export const OTHER_STORE = 'other'

/** The store a top-level entry of the data directory belongs to. */
export function storeOfEntry(name: string): string {
  return STORES.find((s) => s.prefixes.some((p) => name.startsWith(p)))?.store ?? OTHER_STORE
}

/** The store a tool of each category writes, for a STORAGE_FULL that does not say it itself. */
const CATEGORY_STORES: Readonly<Record<string, string>> = {
  p2p_taskqueue: 'tasks',
  p2p_workflow: 'tasks',
  p2p_peer: 'peers',
  p2p_bootstrap: 'peers',
  ipfs: 'blockstore',
  dataset: 'datasets',
  analytics: 'datasets',
  security: 'datasets',
  file: 'files',
  media: 'files',
  cache: 'cache',
  vector: 'vectors',
  graph: 'graphs',
  search: 'search',
  audit: 'audit',
}

export function storeOfCategory(category: string): string {
  return CATEGORY_STORES[category] ?? 'data'
}
