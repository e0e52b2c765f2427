import { type ErrorCode, McppError } from '../../shared/errors.ts'

/**
 * What a worker export answers. Errors cross the thread boundary as data, because a
 * structured clone keeps an Error's message but drops its `code` and `details`.
 */
export type WorkerReply<T> =
  | { ok: true; value: T }
  | { ok: false; code: ErrorCode; message: string; details?: Record<string, unknown> }

/** An argument sent as JSON text (`RunOptions.json`); it arrives as a plain object with this shape. */
export class JsonArg {
  readonly jsonArg: string
  constructor(text: string) {
    this.jsonArg = text
  }
}

function decode<A>(raw: A | JsonArg): A {
  const text = (raw as Partial<JsonArg> | null)?.jsonArg
  return typeof text === 'string' ? (JSON.parse(text) as A) : (raw as A)
}

/** Wraps an operation for export from a worker module. */
export function workerOp<A, T>(
  fn: (arg: A) => T | Promise<T>,
): (arg: A | JsonArg) => Promise<WorkerReply<T>> {
  return async (raw) => {
    try {
      return { ok: true, value: await fn(decode(raw)) }
    } catch (err) {
      if (err instanceof McppError) {
        return {
          ok: false,
          code: err.code,
          message: err.message,
          ...(err.details === undefined ? {} : { details: err.details }),
        }
      }
      return { ok: false, code: 'INTERNAL', message: err instanceof Error ? err.message : String(err) }
    }
  }
}

/** A module's own URL with its extension, whether it runs from source (.ts) or dist (.js). */
export function siblingModule(base: string, name: string): URL {
  const ext = base.endsWith('.ts') ? '.ts' : '.js'
  return new URL(`./${name}${ext}`, base)
}

/**
 * For a stateful thread (graphs, search or vector indexes): `of(dir)` is the one store
 * of a data directory in this thread (a process may run several relays, each with its
 * own thread), and `op(fn)` wraps a store operation for export.
 */
export function storeOps<S>(open: (dir: string) => S) {
  const stores = new Map<string, S>()
  const of = (dir: string): S => {
    let store = stores.get(dir)
    if (store === undefined) {
      store = open(dir)
      stores.set(dir, store)
    }
    return store
  }
  const op = <I, T>(fn: (store: S, input: I) => T | Promise<T>) =>
    workerOp(({ dir, input }: { dir: string; input: I }) => fn(of(dir), input))
  return { of, op }
}
