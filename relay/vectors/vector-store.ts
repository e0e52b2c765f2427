import { McppError } from '../../shared/errors.ts'
import { NamedFileStore, STORE_NAME } from '../store/named-file-store.ts'
import { VectorIndex, type VectorIndexOptions } from './vector-index.ts'

export const VECTOR_INDEX_NAME = STORE_NAME

/**
 * Named vector indexes in `<data-dir>/vectors/` (`<name>.hnsw` and `<name>.json`),
 * loaded on first use and saved after every change. Changes to one index are
 * serialised, so concurrent calls never interleave a save.
 */
export class VectorStore extends NamedFileStore<VectorIndex> {
  private readonly queues = new Map<string, Promise<unknown>>()

  constructor(dir: string) {
    super(dir, { what: 'vector index', plural: 'indexes', extraFiles: ['.hnsw'] })
  }

  protected load(name: string): Promise<VectorIndex> {
    return VectorIndex.load(this.base(name))
  }

  protected save(name: string, index: VectorIndex): Promise<void> {
    return index.save(this.base(name))
  }

  async create(name: string, options: VectorIndexOptions, replace: boolean): Promise<VectorIndex> {
    if (this.exists(name) && !replace) {
      throw new McppError('CONFLICT', `vector index "${name}" exists (pass replace: true to start it over)`)
    }
    const index = await VectorIndex.create(options)
    await this.put(name, index)
    return index
  }

  /** Adopts an index loaded from elsewhere (IPFS) under `name`. */
  adopt(name: string, index: VectorIndex): Promise<void> {
    return this.put(name, index)
  }

  /** Runs a change on one index, then saves it; changes to the same index run one at a time. */
  change<T>(name: string, fn: (index: VectorIndex) => T): Promise<T> {
    const previous = this.queues.get(name) ?? Promise.resolve()
    const next = previous.then(async () => {
      const index = await this.get(name)
      const result = fn(index)
      await this.save(name, index)
      return result
    })
    this.queues.set(
      name,
      next.catch(() => {}),
    )
    return next
  }

  /** `<dir>/<name>`, to which the index's files add `.json` and `.hnsw`. */
  base(name: string): string {
    return this.path(name, '')
  }
}
