/**
 * The JSON paths a step reference may carry (`{ "$ref": "chunk", "path": "$.items[0].text" }`):
 * a small, safe subset of JSONPath that selects exactly one value.
 *
 *   path     := '$' segment*
 *   segment  := '.' name | '[' index ']' | '[' quoted ']'
 *   name     := [A-Za-z_$][A-Za-z0-9_$-]*
 *   index    := '0' | [1-9][0-9]*            (no negative index, no slices)
 *   quoted   := "'" ( any character but ' and \ | \' | \\ )* "'"
 *
 * No wildcards, filters, recursive descent or script expressions. We parse it by hand
 * rather than pull a JSONPath library: they evaluate filter and script expressions
 * (jsonpath-plus with `vm`, jsonpath with static-eval), which gave remote code
 * execution bugs (jsonpath-plus: CVE-2024-21534, CVE-2025-1302); the subset we need is
 * a few dozen lines with nothing to evaluate.
 * Lookups read own properties only, so `$.constructor` or `$.__proto__` never reach a
 * prototype.
 */

/** Longest path accepted, in characters. */
export const MAX_PATH_LENGTH = 256
/** Most segments in a path (objects and arrays nest at most this deep in tool params). */
export const MAX_PATH_SEGMENTS = 64

export type PathSegment = { name: string } | { index: number }

export type ParsedPath = { ok: true; segments: PathSegment[] } | { ok: false; message: string }

const NAME_START = /[A-Za-z_$]/
const NAME_PART = /[A-Za-z0-9_$-]/
const DIGIT = /[0-9]/

/** Parses `path` (without eval) into segments, or says what is wrong and where. */
export function parsePath(path: string): ParsedPath {
  if (path.length > MAX_PATH_LENGTH) return bad(`longer than ${MAX_PATH_LENGTH} characters`)
  if (path[0] !== '$') return bad('must start with $')
  const segments: PathSegment[] = []
  let i = 1
  while (i < path.length) {
    if (segments.length >= MAX_PATH_SEGMENTS) return bad(`more than ${MAX_PATH_SEGMENTS} segments`)
    const c = path[i]
    if (c === '.') {
      const start = ++i
      if (!NAME_START.test(path[i] ?? '')) return bad(`expected a name at position ${i}`)
      while (i < path.length && NAME_PART.test(path[i] as string)) i++
      segments.push({ name: path.slice(start, i) })
    } else if (c === '[' && path[i + 1] === "'") {
      const read = readQuoted(path, i + 2)
      if (!read.ok) return bad(read.message)
      segments.push({ name: read.name })
      i = read.end
    } else if (c === '[') {
      const start = ++i
      while (i < path.length && DIGIT.test(path[i] as string)) i++
      const digits = path.slice(start, i)
      if (digits === '' || path[i] !== ']') {
        return bad(`expected an index (0, 1, …) or a quoted name at position ${start}`)
      }
      if (digits.length > 1 && digits[0] === '0') return bad(`index ${digits} has a leading zero`)
      const index = Number(digits)
      if (!Number.isSafeInteger(index)) return bad(`index ${digits} is too large`)
      segments.push({ index })
      i++
    } else {
      return bad(`unexpected ${JSON.stringify(c)} at position ${i}`)
    }
  }
  return { ok: true, segments }
}

/** Reads `'name']` from `start` (just past the opening quote); `end` is past the `]`. */
function readQuoted(
  path: string,
  start: number,
): { ok: true; name: string; end: number } | { ok: false; message: string } {
  let name = ''
  for (let i = start; i < path.length; i++) {
    const c = path[i] as string
    if (c === '\\') {
      const next = path[i + 1]
      if (next !== "'" && next !== '\\') return { ok: false, message: `bad escape at position ${i}` }
      name += next
      i++
    } else if (c === "'") {
      if (path[i + 1] !== ']') return { ok: false, message: `expected ] at position ${i + 1}` }
      return { ok: true, name, end: i + 2 }
    } else name += c
  }
  return { ok: false, message: 'unterminated quoted name' }
}

function bad(problem: string): ParsedPath {
  return { ok: false, message: `not a supported JSON path: ${problem}` }
}

export type PathLookup = { ok: true; value: unknown } | { ok: false; message: string }

/**
 * The value at `segments` inside `root`, or why there is none: the message names the
 * prefix that matched and what was found there.
 */
export function lookupPath(root: unknown, segments: readonly PathSegment[]): PathLookup {
  let value = root
  let at = '$'
  for (const segment of segments) {
    if ('index' in segment) {
      if (!Array.isArray(value)) return { ok: false, message: `${at} is ${describe(value)}, not an array` }
      if (segment.index >= value.length) {
        return {
          ok: false,
          message: `${at} has ${value.length} item(s), so there is no index ${segment.index}`,
        }
      }
      value = value[segment.index]
      at += `[${segment.index}]`
    } else {
      if (value === null || typeof value !== 'object' || Array.isArray(value)) {
        return { ok: false, message: `${at} is ${describe(value)}, not an object` }
      }
      if (!Object.hasOwn(value, segment.name)) {
        return { ok: false, message: `${at} has no key ${JSON.stringify(segment.name)}` }
      }
      value = (value as Record<string, unknown>)[segment.name]
      at += formatName(segment.name)
    }
  }
  return { ok: true, value }
}

function formatName(name: string): string {
  return /^[A-Za-z_$][A-Za-z0-9_$-]*$/.test(name)
    ? `.${name}`
    : `['${name.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}']`
}

function describe(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'an array'
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`
}
