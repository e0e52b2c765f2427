import { existsSync } from 'node:fs'
import { copyFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { MetadataFilter } from '../../shared/data/metadata-filter.ts'
import { McppError } from '../../shared/errors.ts'
import { hashingEmbedding } from '../../shared/text/hashing-embedding.ts'
import { MAX_INDEX_VECTORS, MAX_METADATA_BYTES } from './limits.ts'
import { VectorIndex, type VectorIndexOptions, type VectorItem } from './vector-index.ts'
import type { VectorStore } from './vector-store.ts'

/**
 * What the vector tools do, run on the vector thread (vector-worker.ts), which owns
 * the HNSW indexes: hnswlib's build and search are synchronous native calls.
 */
export const statsOf = (name: string, index: VectorIndex) => ({
  name,
  ...index.options,
  count: index.size,
  deleted: index.deleted,
  capacity: index.capacity,
})

type Metadata = Record<string, unknown> | undefined

function checkItems(
  index: VectorIndex,
  items: ReadonlyArray<{ id: string; metadata?: Metadata }>,
  param: string,
) {
  items.forEach((item, i) => {
    if (item.metadata === undefined) return
    const bytes = Buffer.byteLength(JSON.stringify(item.metadata))
    if (bytes > MAX_METADATA_BYTES) {
      const problem = `metadata is ${bytes} bytes as JSON; at most ${MAX_METADATA_BYTES}`
      throw new McppError('INVALID_PARAMS', `${param}[${i}].metadata: ${problem}`, {
        problems: [{ param: `${param}[${i}].metadata`, problem }],
      })
    }
  })
  const fresh = new Set(items.filter((item) => !index.has(item.id)).map((item) => item.id)).size
  if (index.size + fresh > MAX_INDEX_VECTORS) {
    throw new McppError(
      'INVALID_PARAMS',
      `${param}: the index would hold ${index.size + fresh} vectors; an index holds at most ${MAX_INDEX_VECTORS}`,
      { problems: [{ param, problem: 'index full' }] },
    )
  }
}

export async function create(
  store: VectorStore,
  { name, replace, ...options }: VectorIndexOptions & { name: string; replace: boolean },
) {
  return statsOf(name, await store.create(name, options, replace))
}

export function add(store: VectorStore, { name, vectors }: { name: string; vectors: VectorItem[] }) {
  return store.change(name, (ix) => {
    checkItems(ix, vectors, 'vectors')
    return { ...ix.add(vectors), count: ix.size }
  })
}

export function addTexts(
  store: VectorStore,
  { name, texts }: { name: string; texts: Array<{ id: string; text: string; metadata?: Metadata }> },
) {
  return store.change(name, (ix) => {
    checkItems(ix, texts, 'texts')
    const dims = ix.options.dimensions
    const items = texts.map((t) => ({
      id: t.id,
      vector: Array.from(hashingEmbedding(t.text, dims)),
      metadata: t.metadata,
    }))
    return { ...ix.add(items), count: ix.size }
  })
}

export async function search(
  store: VectorStore,
  input: { name: string; vector?: number[]; text?: string; k: number; filter?: MetadataFilter; ef?: number },
) {
  const ix = await store.get(input.name)
  const query = input.vector ?? Array.from(hashingEmbedding(input.text as string, ix.options.dimensions))
  const hits = ix.search(query, input.k, {
    ...(input.filter ? { filter: input.filter } : {}),
    ...(input.ef ? { ef: input.ef } : {}),
  })
  return { metric: ix.options.metric, hits }
}

export const stats = async (store: VectorStore, { name }: { name: string }) =>
  statsOf(name, await store.get(name))

export async function list(store: VectorStore) {
  const indexes = []
  for (const name of store.names()) indexes.push(statsOf(name, await store.get(name)))
  return { indexes }
}

export async function remove(
  store: VectorStore,
  { name, ids }: { name: string; ids?: string[] | undefined },
) {
  if (ids === undefined) {
    const count = (await store.get(name)).size
    store.delete(name)
    return { deleted: count, indexDeleted: true }
  }
  return { deleted: await store.change(name, (ix) => ix.delete(ids)), indexDeleted: false }
}

/** Copies an index's files into `dir` (for IPFS), between changes. */
export async function copyTo(store: VectorStore, { name, dir }: { name: string; dir: string }) {
  const ix = await store.get(name)
  await store.change(name, () => undefined)
  const base = store.base(name)
  await copyFile(`${base}.json`, join(dir, 'index.json'))
  if (existsSync(`${base}.hnsw`)) await copyFile(`${base}.hnsw`, join(dir, 'index.hnsw'))
  return ix.size
}

/** Loads an index saved by `copyTo` from `base` (.json and .hnsw) and adopts it under `name`. */
export async function adopt(
  store: VectorStore,
  { name, base, cid }: { name: string; base: string; cid: string },
) {
  let ix: VectorIndex
  try {
    ix = await VectorIndex.load(base)
  } catch (err) {
    throw new McppError('BAD_DATA', `${cid} is not a saved vector index (${(err as Error).message})`)
  }
  await store.adopt(name, ix)
  return statsOf(name, ix)
}
