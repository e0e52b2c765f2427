import MiniSearch from 'minisearch'
import { McppError } from '../../../shared/errors.ts'
import { type IndexMeta, miniSearchOptions, type SearchIndexes } from './index-store.ts'

/**
 * What the search tools do, run on the search thread (search-worker.ts), which holds
 * the MiniSearch indexes. A build arrives in pages of rows (the relay reads the dataset
 * page by page), so neither side holds a whole dataset at once on its event loop.
 */
type Row = Record<string, unknown>

interface Building {
  meta: IndexMeta
  search: MiniSearch
  seen: Set<unknown>
}

const building = new Map<string, Building>()

export const describe = (name: string, meta: IndexMeta, search: MiniSearch) => ({
  name,
  ...meta,
  terms: search.termCount,
})

export function beginBuild(_indexes: SearchIndexes, { build, meta }: { build: string; meta: IndexMeta }) {
  building.set(build, { meta, search: new MiniSearch(miniSearchOptions(meta)), seen: new Set() })
  return true
}

function buildOf(build: string): Building {
  const b = building.get(build)
  // The thread was stopped (a time limit) and restarted since the build began.
  if (!b) throw new McppError('UNAVAILABLE', 'the index build was interrupted; build it again')
  return b
}

export function addRows(_indexes: SearchIndexes, { build, rows }: { build: string; rows: Row[] }) {
  const b = buildOf(build)
  for (const row of rows) {
    if (b.seen.has(row.__id)) {
      building.delete(build)
      throw new McppError(
        'INVALID_PARAMS',
        `idColumn: "${b.meta.idColumn}" has the duplicate value ${JSON.stringify(row.__id)}`,
        { problems: [{ param: 'idColumn', problem: 'not unique' }] },
      )
    }
    b.seen.add(row.__id)
    for (const f of b.meta.fields) if (row[f] !== null && typeof row[f] !== 'string') row[f] = String(row[f])
  }
  b.search.addAll(rows)
  return b.seen.size
}

export async function finishBuild(indexes: SearchIndexes, { build, name }: { build: string; name: string }) {
  const b = buildOf(build)
  building.delete(build)
  const meta = { ...b.meta, documents: b.seen.size }
  await indexes.put(name, { meta, search: b.search })
  return describe(name, meta, b.search)
}

export function abortBuild(_indexes: SearchIndexes, { build }: { build: string }) {
  return building.delete(build)
}

export interface QueryInput {
  name: string
  query: string
  prefix: boolean
  fuzzy: number
  combineWith: 'OR' | 'AND'
  columns?: string[] | undefined
  boost?: Record<string, number> | undefined
  limit: number
}

export async function query(indexes: SearchIndexes, input: QueryInput) {
  const { meta, search } = await indexes.get(input.name)
  const unknown = (input.columns ?? []).filter((c) => !meta.fields.includes(c))
  if (unknown.length > 0) {
    throw new McppError(
      'INVALID_PARAMS',
      `columns: ${unknown.join(', ')} not indexed; indexed: ${meta.fields.join(', ')}`,
      { problems: [{ param: 'columns', problem: 'not indexed' }] },
    )
  }
  const results = search.search(input.query, {
    prefix: input.prefix,
    fuzzy: input.fuzzy > 0 ? input.fuzzy : false,
    // The edit-distance walk costs grow with the distance: two edits cover typos.
    maxFuzzy: 2,
    combineWith: input.combineWith,
    ...(input.columns ? { fields: input.columns } : {}),
    ...(input.boost ? { boost: input.boost } : {}),
  })
  return {
    total: results.length,
    hits: results.slice(0, input.limit).map((r) => ({
      id: r.id,
      score: r.score,
      terms: r.terms,
      fields: Object.fromEntries(meta.storeFields.map((f) => [f, r[f]])),
    })),
  }
}

export async function stats(indexes: SearchIndexes, { name }: { name: string }) {
  const { meta, search } = await indexes.get(name)
  return describe(name, meta, search)
}

export async function list(indexes: SearchIndexes) {
  const out = []
  for (const name of indexes.names()) {
    const { meta, search } = await indexes.get(name)
    out.push(describe(name, meta, search))
  }
  return { indexes: out }
}

export function remove(indexes: SearchIndexes, { name }: { name: string }) {
  indexes.delete(name)
  return { deleted: name }
}

export const exists = (indexes: SearchIndexes, { name }: { name: string }) => indexes.exists(name)
