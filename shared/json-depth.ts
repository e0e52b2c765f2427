/**
 * How deeply JSON text nests, found by one linear scan without parsing. Checked before
 * `JSON.parse` on everything a peer sends: V8 parses very deep JSON iteratively, but
 * every recursive consumer after it (schema validation, `JSON.stringify`, canonical
 * JSON, structured clone) overflows the stack on it (issue 9: a 200,000-level `results`
 * frame under 1 MB killed the relay).
 */

/**
 * Deepest JSON accepted in a wire message. Tool params are limited to 64 levels
 * (shared/tool/validate.ts) and a message wraps a task's input or output in a few
 * more (assign → tasks → [i] → input).
 */
export const MAX_WIRE_JSON_DEPTH = 80

const OPEN_OBJECT = 0x7b // {
const OPEN_ARRAY = 0x5b // [
const CLOSE_OBJECT = 0x7d // }
const CLOSE_ARRAY = 0x5d // ]
const QUOTE = 0x22 // "
const BACKSLASH = 0x5c // \

/** True when `text` nests objects and arrays deeper than `limit` (brackets inside strings do not count). */
export function jsonDeeperThan(text: string, limit: number): boolean {
  let depth = 0
  let inString = false
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (inString) {
      if (c === BACKSLASH) i++
      else if (c === QUOTE) inString = false
    } else if (c === QUOTE) inString = true
    else if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
      if (++depth > limit) return true
    } else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) depth--
  }
  return false
}

/**
 * How deeply a parsed value nests (iterative, stops counting past `limit`). Two flat
 * stacks and no per-node allocation: it walks every call's params on the event loop.
 */
export function valueDeeperThan(value: unknown, limit: number): boolean {
  return new DepthWalk(value, limit).step(Number.POSITIVE_INFINITY) as boolean
}

/**
 * valueDeeperThan in steps, for a caller that gives the event loop turns in between
 * (the params of a 4 MiB request can hold half a million objects).
 */
export class DepthWalk {
  private readonly values: unknown[]
  private readonly depths: number[] = [0]
  private readonly limit: number

  constructor(value: unknown, limit: number) {
    this.values = [value]
    this.limit = limit
  }

  /** Visits up to `budget` more objects and arrays: the answer once known, undefined while not. */
  step(budget: number): boolean | undefined {
    const { values, depths, limit } = this
    let visited = 0
    while (values.length > 0) {
      if (visited++ >= budget) return undefined
      const v = values.pop()
      const depth = depths.pop() as number
      if (v === null || typeof v !== 'object') continue
      if (depth + 1 > limit) return true
      if (Array.isArray(v)) {
        for (let i = 0; i < v.length; i++) {
          const child = v[i]
          if (child !== null && typeof child === 'object') {
            values.push(child)
            depths.push(depth + 1)
          }
        }
      } else {
        for (const key in v) {
          if (!Object.hasOwn(v, key)) continue
          const child = (v as Record<string, unknown>)[key]
          if (child !== null && typeof child === 'object') {
            values.push(child)
            depths.push(depth + 1)
          }
        }
      }
    }
    return false
  }
}
