import { readFileSync } from 'node:fs'
import { rename, rm, writeFile } from 'node:fs/promises'
import type { HierarchicalNSW } from 'hnswlib-node'
import { type MetadataFilter, matchesFilter } from '../../shared/data/metadata-filter.ts'
import { McppError } from '../../shared/errors.ts'

export const METRICS = ['cosine', 'l2', 'ip'] as const
export type Metric = (typeof METRICS)[number]

export interface VectorIndexOptions {
  dimensions: number
  metric: Metric
  /** HNSW graph degree: more is more accurate and larger. */
  m: number
  /** Candidates considered while inserting: more is more accurate and slower to build. */
  efConstruction: number
  /** Candidates considered while searching (at least k): the accuracy/speed knob. */
  ef: number
}

/** What is saved beside the graph: options, and per label its id (null once deleted) and metadata. */
interface Saved extends VectorIndexOptions {
  ids: Array<string | null>
  metadata: Record<string, Record<string, unknown>>
}

export interface VectorItem {
  id: string
  vector: readonly number[]
  metadata?: Record<string, unknown> | undefined
}

export interface Hit {
  id: string
  /** The metric's distance: 1 − cosine, 1 − dot product, or squared Euclidean. */
  distance: number
  /** Cosine similarity or dot product (higher is closer); absent for l2. */
  similarity?: number
  metadata?: Record<string, unknown>
}

const INITIAL_CAPACITY = 1_024

async function hnswlib() {
  const mod = await import('hnswlib-node')
  return (mod.default ?? mod) as typeof import('hnswlib-node')
}

/**
 * An approximate nearest-neighbour index (HNSW, hnswlib) with string ids and
 * metadata per vector. An update keeps the vector's label; a delete marks the label
 * deleted (hnswlib skips it) and adding the id again gives it a fresh label.
 */
export class VectorIndex {
  readonly options: VectorIndexOptions
  private readonly hnsw: HierarchicalNSW
  private readonly ids: Array<string | null>
  private readonly labels = new Map<string, number>()
  private readonly metadata: Map<string, Record<string, unknown>>

  private constructor(options: VectorIndexOptions, hnsw: HierarchicalNSW, saved?: Saved) {
    this.options = options
    this.hnsw = hnsw
    this.ids = saved?.ids ?? []
    this.metadata = new Map(Object.entries(saved?.metadata ?? {}))
    this.ids.forEach((id, label) => {
      if (id !== null) this.labels.set(id, label)
    })
  }

  static async create(options: VectorIndexOptions): Promise<VectorIndex> {
    const { HierarchicalNSW } = await hnswlib()
    const hnsw = new HierarchicalNSW(options.metric, options.dimensions)
    hnsw.initIndex({
      maxElements: INITIAL_CAPACITY,
      m: options.m,
      efConstruction: options.efConstruction,
      randomSeed: 100,
    })
    hnsw.setEf(options.ef)
    return new VectorIndex(options, hnsw)
  }

  /** Loads `<base>.hnsw` and `<base>.json`. */
  static async load(base: string): Promise<VectorIndex> {
    const saved = JSON.parse(readFileSync(`${base}.json`, 'utf8')) as Saved
    const { HierarchicalNSW } = await hnswlib()
    const hnsw = new HierarchicalNSW(saved.metric, saved.dimensions)
    if (saved.ids.length > 0) await hnsw.readIndex(`${base}.hnsw`)
    else
      hnsw.initIndex({
        maxElements: INITIAL_CAPACITY,
        m: saved.m,
        efConstruction: saved.efConstruction,
        randomSeed: 100,
      })
    hnsw.setEf(saved.ef)
    const { ids: _ids, metadata: _metadata, ...options } = saved
    return new VectorIndex(options, hnsw, saved)
  }

  /** Saves both files atomically (each written aside, then renamed into place). */
  async save(base: string): Promise<void> {
    const saved: Saved = { ...this.options, ids: this.ids, metadata: Object.fromEntries(this.metadata) }
    if (this.ids.length > 0) {
      // hnswlib writes on a thread of its own, so a large index does not stall the relay;
      // the store runs one change per index at a time, so nothing mutates it meanwhile.
      await this.hnsw.writeIndex(`${base}.hnsw.partial`)
      await rename(`${base}.hnsw.partial`, `${base}.hnsw`)
    } else {
      await rm(`${base}.hnsw`, { force: true })
    }
    await writeFile(`${base}.json.partial`, JSON.stringify(saved))
    await rename(`${base}.json.partial`, `${base}.json`)
  }

  get size(): number {
    return this.labels.size
  }

  has(id: string): boolean {
    return this.labels.has(id)
  }

  get deleted(): number {
    return this.ids.length - this.labels.size
  }

  get capacity(): number {
    return this.hnsw.getMaxElements()
  }

  /** Adds or updates vectors; returns how many were new. */
  add(items: readonly VectorItem[]): { added: number; updated: number } {
    for (const [i, item] of items.entries()) this.check(item.vector, `vectors[${i}].vector`)
    const needed = this.ids.length + items.filter((i) => !this.labels.has(i.id)).length
    if (needed > this.hnsw.getMaxElements()) {
      this.hnsw.resizeIndex(Math.max(needed, this.hnsw.getMaxElements() * 2))
    }
    let added = 0
    for (const item of items) {
      let label = this.labels.get(item.id)
      if (label === undefined) {
        label = this.ids.length
        this.ids.push(item.id)
        this.labels.set(item.id, label)
        added++
      }
      this.hnsw.addPoint(item.vector as number[], label)
      if (item.metadata === undefined) this.metadata.delete(item.id)
      else this.metadata.set(item.id, item.metadata)
    }
    return { added, updated: items.length - added }
  }

  /** Nearest neighbours of `vector`; with a filter, only vectors whose metadata match. */
  search(
    vector: readonly number[],
    k: number,
    options: { filter?: MetadataFilter; ef?: number } = {},
  ): Hit[] {
    this.check(vector, 'vector')
    if (this.labels.size === 0) return []
    this.hnsw.setEf(Math.max(options.ef ?? this.options.ef, k))
    const { filter } = options
    const accept = filter
      ? (label: number) => {
          const id = this.ids[label]
          return id !== null && id !== undefined && matchesFilter(this.metadata.get(id), filter)
        }
      : undefined
    const { neighbors, distances } = this.hnsw.searchKnn(
      vector as number[],
      Math.min(k, this.labels.size),
      accept,
    )
    return neighbors.flatMap((label, i) => {
      const id = this.ids[label]
      if (id === null || id === undefined) return []
      const distance = distances[i] as number
      const metadata = this.metadata.get(id)
      return [
        {
          id,
          distance,
          ...(this.options.metric === 'l2' ? {} : { similarity: 1 - distance }),
          ...(metadata ? { metadata } : {}),
        },
      ]
    })
  }

  /** Deletes vectors by id; returns how many existed. */
  delete(ids: readonly string[]): number {
    let removed = 0
    for (const id of ids) {
      const label = this.labels.get(id)
      if (label === undefined) continue
      this.hnsw.markDelete(label)
      this.labels.delete(id)
      this.metadata.delete(id)
      this.ids[label] = null
      removed++
    }
    return removed
  }

  private check(vector: readonly number[], param: string): void {
    const problem =
      vector.length !== this.options.dimensions
        ? `has ${vector.length} numbers; this index takes ${this.options.dimensions}`
        : vector.some((x) => !Number.isFinite(x))
          ? 'has a value that is not a finite number'
          : this.options.metric === 'cosine' && vector.every((x) => x === 0)
            ? 'is all zeros, which has no direction for cosine'
            : undefined
    if (problem) {
      throw new McppError('INVALID_PARAMS', `${param} ${problem}`, { problems: [{ param, problem }] })
    }
  }
}
