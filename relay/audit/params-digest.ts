import { createHash, type Hash, hash } from 'node:crypto'
import { canonicalJson } from '../../shared/canonical-json.ts'
import { TimeSlice } from '../event-loop-turn.ts'

/** One-shot hashing: this runs on every tool call, and a Hash object costs more than the digest. */
export function paramsDigest(params: unknown): string {
  return hash('sha256', canonicalJson(params ?? {}), 'hex')
}

/** Params holding more values than this (objects, arrays, and what they hold) are digested in turns. */
export const SLICED_FROM_VALUES = 20_000
/** A subtree of at most this many values is written by one canonicalJson call ... */
const SUBTREE_VALUES = 4_000
/** ... and so is a run of up to CHUNK array items holding at most this many in all. */
const CHUNK = 1_000
const RUN_VALUES = 8_000

/**
 * The same digest as `paramsDigest`, in turns of the event loop when the params are
 * large. The canonical text of a 4 MiB body of small objects took 300–500 ms to write
 * in one piece, and hostile params need no more than the body limit to get there. Here
 * the text is fed to the hash piece by piece: large containers member by member, or
 * CHUNK array items per canonicalJson call, with a turn whenever a slice has run 10 ms.
 * Small params (most calls) are digested at once, and the answer is then a string.
 */
export function paramsDigestInTurns(params: unknown): string | Promise<string> {
  const value = params ?? {}
  if (!hasMoreValues(value, SLICED_FROM_VALUES)) return paramsDigest(value)
  return (async () => {
    const sha = createHash('sha256')
    await writeCanonical(value, sha, new TimeSlice())
    return sha.digest('hex')
  })()
}

/** Whether `value` is or holds more than `limit` values in all (stops counting there). */
function hasMoreValues(value: unknown, limit: number): boolean {
  const stack: object[] = []
  let seen = 0
  const visit = (v: unknown): boolean => {
    if (++seen > limit) return true
    if (v !== null && typeof v === 'object') stack.push(v)
    return false
  }
  if (visit(value)) return true
  while (stack.length > 0) {
    const v = stack.pop() as object
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) if (visit(v[i])) return true
    } else {
      for (const key in v) {
        if (Object.hasOwn(v, key) && visit((v as Record<string, unknown>)[key])) return true
      }
    }
  }
  return false
}

const isPlainArray = (v: object): v is unknown[] =>
  Array.isArray(v) && Object.getPrototypeOf(v) === Array.prototype
const isPlainObject = (v: object): v is Record<string, unknown> => {
  const proto = Object.getPrototypeOf(v)
  return (
    (proto === Object.prototype || proto === null) && typeof (v as { toJSON?: unknown }).toJSON !== 'function'
  )
}
/** What canonicalJson leaves out of an object (and writes as null in an array). */
const dropped = (v: unknown) => v === undefined || typeof v === 'function'

/**
 * Feeds exactly canonicalJson(value)'s text to `sha`, taking turns as the slice says:
 * a subtree of at most SUBTREE_VALUES values is written by one canonicalJson call, a
 * larger one member by member (an array in runs of CHUNK items when they are small).
 */
async function writeCanonical(value: unknown, sha: Hash, slice: TimeSlice): Promise<void> {
  if (value === null || typeof value !== 'object' || !hasMoreValues(value, SUBTREE_VALUES)) {
    sha.update(canonicalJson(value))
    await slice.pause()
    return
  }
  if (isPlainArray(value)) {
    sha.update('[')
    for (let i = 0; i < value.length; i += CHUNK) {
      if (i > 0) sha.update(',')
      const run = value.slice(i, i + CHUNK)
      if (!hasMoreValues(run, RUN_VALUES)) {
        // One canonicalJson call for the run, without its brackets.
        sha.update(canonicalJson(run).slice(1, -1))
        await slice.pause()
        continue
      }
      for (let j = 0; j < run.length; j++) {
        if (j > 0) sha.update(',')
        const item = run[j]
        await writeCanonical(typeof item === 'symbol' || dropped(item) ? null : item, sha, slice)
      }
    }
    sha.update(']')
    return
  }
  if (!isPlainObject(value)) {
    sha.update(canonicalJson(value))
    return
  }
  // Default sort compares UTF-16 code units, as canonicalJson's does.
  const keys = Object.keys(value)
    .filter((k) => !dropped(value[k]))
    .sort()
  sha.update('{')
  for (let i = 0; i < keys.length; i++) {
    if (i > 0) sha.update(',')
    const key = keys[i] as string
    sha.update(`${JSON.stringify(key)}:`)
    await writeCanonical(value[key], sha, slice)
  }
  sha.update('}')
}
