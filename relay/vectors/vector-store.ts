import { existsSync, mkdirSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { McppError } from '../../shared/errors.ts'
import { namesIn, unknownName } from '../files/names-in.ts'
import { VectorIndex, type VectorIndexOptions } from './vector-index.ts'

export const VECTOR_INDEX_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/

/**
 * Named vector indexes in `<data-dir>/vectors/` (`<name>.hnsw` and `<name>.json`),
 * loaded on first use and saved after every change. Changes to one index are
 * serialised, so concurrent calls never interleave a save.
 */
export class VectorStore {
  private readonly dir: string
  private readonly open = new Map<string, Promise<VectorIndex>>()
  private readonly queues = new Map<string, Promise<unknown>>()

  constructor(dir: string) {
    this.dir = dir
    mkdirSync(dir, { recursive: true })
  }

  names(): string[] {
    return namesIn(this.dir)
  }

  exists(name: string): boolean {
    return existsSync(`${this.base(name)}.json`)
  }

  get(name: string): Promise<VectorIndex> {
    let index = this.open.get(name)
    if (!index) {
      if (!this.exists(name)) {
        throw unknownName('vector index', 'indexes', name, this.names())
      }
      index = VectorIndex.load(this.base(name))
      index.catch(() => this.open.delete(name))
      this.open.set(name, index)
    }
    return index
  }

  async create(name: string, options: VectorIndexOptions, replace: boolean): Promise<VectorIndex> {
    if (this.exists(name) && !replace) {
      throw new McppError('CONFLICT', `vector index "${name}" exists (pass replace: true to start it over)`)
    }
    const index = await VectorIndex.create(options)
    this.open.set(name, Promise.resolve(index))
    await index.save(this.base(name))
    return index
  }

  /** Adopts an index loaded from elsewhere (IPFS) under `name`. */
  async adopt(name: string, index: VectorIndex): Promise<void> {
    this.open.set(name, Promise.resolve(index))
    await index.save(this.base(name))
  }

  /** Runs a change on one index, then saves it; changes to the same index run one at a time. */
  change<T>(name: string, fn: (index: VectorIndex) => T): Promise<T> {
    const previous = this.queues.get(name) ?? Promise.resolve()
    const next = previous.then(async () => {
      const index = await this.get(name)
      const result = fn(index)
      await index.save(this.base(name))
      return result
    })
    this.queues.set(
      name,
      next.catch(() => {}),
    )
    return next
  }

  delete(name: string): void {
    if (!this.exists(name)) throw unknownName('vector index', 'indexes', name, this.names())
    this.open.delete(name)
    rmSync(`${this.base(name)}.json`, { force: true })
    rmSync(`${this.base(name)}.hnsw`, { force: true })
  }

  base(name: string): string {
    return join(this.dir, name)
  }
}
