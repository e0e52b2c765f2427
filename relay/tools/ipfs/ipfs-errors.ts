import { McppError } from '../../../shared/errors.ts'
import { isMissing, MissingBlockError } from './dag-walk.ts'

/** Names of Helia/UnixFS errors that mean the stored content is not what it claims to be. */
const MALFORMED = new Set([
  'NotUnixFSError',
  'InvalidPBNodeError',
  'OverReadError',
  'UnderReadError',
  'NoResolverError',
  'UnknownCodecError',
  'UnknownHashAlgorithmError',
  'InvalidCodecError',
  'RangeError',
])
/** Names of errors that mean the CID names the wrong kind of thing for this call. */
const WRONG_KIND = new Set(['NotAFileError', 'NotADirectoryError'])

/**
 * Maps a failure while reading content by CID to a clear tool error: a missing block is
 * NOT_FOUND (naming it when known), malformed content is BAD_DATA, the wrong kind of
 * node is INVALID_PARAMS. Cancellation and unknown failures pass through unchanged, so
 * that the one place that maps errors calls them CANCELLED, TIMEOUT or INTERNAL.
 */
export function contentError(cid: string, err: unknown, signal?: AbortSignal, param = 'cid'): unknown {
  if (err instanceof McppError || signal?.aborted) return err
  const e = err as Error
  if (err instanceof MissingBlockError && err.cid.toString() !== cid) {
    return new McppError('NOT_FOUND', `${cid}: a block of its DAG is missing (${e.message})`, {
      cid,
      missing: err.cid.toString(),
    })
  }
  if (isMissing(err) || e?.name === 'DoesNotExistError') return notFound(cid)
  // The exporter's range checks (an offset past the end of the file, a negative length).
  if (e?.name === 'InvalidParametersError') {
    const at = /^length/i.test(e.message) ? 'length' : /^offset/i.test(e.message) ? 'offset' : param
    return new McppError('INVALID_PARAMS', `${at}: ${e.message}`, {
      problems: [{ param: at, problem: e.message }],
    })
  }
  if (WRONG_KIND.has(e?.name)) {
    return new McppError('INVALID_PARAMS', `${param}: ${cid} is ${e.message}`, {
      problems: [{ param, problem: e.message }],
    })
  }
  if (MALFORMED.has(e?.name) || /decode|invalid|unexpected|malformed|not supported/i.test(e?.message ?? '')) {
    return new McppError('BAD_DATA', `${cid} is not readable content: ${e.message}`, { cid })
  }
  return err
}

export function notFound(cid: string): McppError {
  return new McppError('NOT_FOUND', `${cid} is not in this relay's blockstore`, { cid })
}

/**
 * Runs `fn` with a signal that is aborted when it returns or throws: libraries that
 * keep reading blocks in the background after their iterator stops (the UnixFS file
 * exporter walks ahead of its reader) stop at their next block instead of running on.
 */
export async function scoped<T>(
  signal: AbortSignal | undefined,
  fn: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const done = new AbortController()
  try {
    return await fn(signal ? AbortSignal.any([signal, done.signal]) : done.signal)
  } finally {
    done.abort(new Error('the call is over'))
  }
}
