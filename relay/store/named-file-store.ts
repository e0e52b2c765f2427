import { existsSync, mkdirSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { McppError } from '../../shared/errors.ts'
import { namesIn, unknownName } from '../files/names-in.ts'

/** What a store's objects may be called: also a safe file name (no path, no leading dot). */
export const STORE_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/

/** The file that says a store holds `name`: `<dir>/<name>.json`. */
export function entryFile(dir: string, name: string): string {
  return join(dir, `${name}.json`)
}

export interface StoreKind {
  /** One object, for messages: `graph`, `search index`. */
  what: string
  /** Several, for the list of held names in NOT_FOUND: `graphs`, `indexes`. */
  plural: string
  /**
   * Every file an object occupies besides `<name>.json`, as suffixes (`.hnsw`);
   * `delete` removes them too.
   */
  extraFiles?: readonly string[]
}

/**
 * Named objects (graphs, full-text indexes, vector indexes) kept in one folder, one
 * `<name>.json` per object (plus the kind's extra files), and held in memory once
 * loaded. A subclass says how one object is read and written; the rest is the same for
 * every store, and so is what a caller sees:
 *
 * - a name that does not match STORE_NAME is INVALID_PARAMS;
 * - `get` and `delete` of a name the store does not hold are NOT_FOUND, and the
 *   message lists the names it does hold (a typo is seen at once, not as `false`);
 * - `put` writes the files first and then replaces the copy in memory, so a failed
 *   write leaves the previous object in place.
 */
export abstract class NamedFileStore<T> {
  protected readonly dir: string
  private readonly kind: StoreKind
  /** Loads in flight or done; a failed load is dropped so the next `get` tries again. */
  private readonly loaded = new Map<string, Promise<T>>()

  constructor(dir: string, kind: StoreKind) {
    this.dir = dir
    this.kind = kind
    mkdirSync(dir, { recursive: true })
  }

  /** Reads the object `name` from its files (which exist). */
  protected abstract load(name: string): Promise<T>
  /** Writes `value` as the object `name`, atomically. */
  protected abstract save(name: string, value: T): Promise<void>

  names(): string[] {
    return namesIn(this.dir)
  }

  exists(name: string): boolean {
    return existsSync(this.path(name))
  }

  get(name: string): Promise<T> {
    let value = this.loaded.get(name)
    if (value === undefined) {
      if (!this.exists(name)) return Promise.reject(this.notFound(name))
      value = this.load(name)
      this.loaded.set(name, value)
      value.catch(() => {
        if (this.loaded.get(name) === value) this.loaded.delete(name)
      })
    }
    return value
  }

  async put(name: string, value: T): Promise<void> {
    await this.save(name, value)
    this.loaded.set(name, Promise.resolve(value))
  }

  /** Drops the copy in memory (after a change failed half-way), so the files are read again. */
  forget(name: string): void {
    this.loaded.delete(name)
  }

  delete(name: string): void {
    if (!this.exists(name)) throw this.notFound(name)
    this.loaded.delete(name)
    // The entry file goes last: a delete cut short still lists the name, and can be repeated.
    for (const suffix of this.kind.extraFiles ?? []) rmSync(this.path(name, suffix), { force: true })
    rmSync(this.path(name), { force: true })
  }

  /** `<dir>/<name><suffix>` (default `.json`), after checking the name. */
  protected path(name: string, suffix = '.json'): string {
    if (!STORE_NAME.test(name)) {
      throw new McppError(
        'INVALID_PARAMS',
        `name: "${name}" is not a ${this.kind.what} name (letters, digits, _ . -, at most 64)`,
        { problems: [{ param: 'name', problem: `not a ${this.kind.what} name` }] },
      )
    }
    return suffix === '.json' ? entryFile(this.dir, name) : join(this.dir, `${name}${suffix}`)
  }

  private notFound(name: string): McppError {
    return unknownName(this.kind.what, this.kind.plural, name, this.names())
  }
}
