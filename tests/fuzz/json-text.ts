import fc from 'fast-check'

/**
 * JSON text spliced verbatim into a generated document. It carries what a JS value
 * cannot, or what this process could not serialize: nesting 100,000 levels deep
 * (JSON.stringify overflows the stack past ~10,000 here, JSON.parse does not), numbers
 * such as 1e309 that parse to Infinity, and very long strings without building them
 * twice. Counterexamples print the short label, not the megabytes.
 */
export class RawJson {
  readonly text: string
  readonly label: string
  constructor(text: string, label: string) {
    this.text = text
    this.label = label
  }
  toString(): string {
    return this.label
  }
  [fc.toStringMethod](): string {
    return this.label
  }
}

/** A generated JSON-like value: plain JSON with RawJson leaves anywhere. */
export type JsonLike = null | boolean | number | string | RawJson | JsonLike[] | { [key: string]: JsonLike }

export function deepArray(depth: number): RawJson {
  return new RawJson(`${'['.repeat(depth)}${']'.repeat(depth)}`, `deepArray(${depth})`)
}

export function deepObject(depth: number): RawJson {
  return new RawJson(`${'{"a":'.repeat(depth)}null${'}'.repeat(depth)}`, `deepObject(${depth})`)
}

export function hugeString(length: number, unit = 'a'): RawJson {
  return new RawJson(JSON.stringify(unit.repeat(length)), `hugeString(${length}, ${JSON.stringify(unit)})`)
}

/** Number tokens that are valid JSON but not safe numbers, or that JSON.parse turns into ±Infinity/-0. */
export const ODD_NUMBER_TOKENS = [
  '1e309',
  '-1e309',
  '-0',
  '1e-400',
  '9007199254740993',
  '-9007199254740993',
  '1.7976931348623157e308',
  '5e-324',
  '123456789012345678901234567890123456789',
  '0.1e1',
  '1E2',
].map((t) => new RawJson(t, t))

/** Serializes a JsonLike; the structure around RawJson leaves is shallow, so recursion is safe. */
export function toJsonText(value: JsonLike | undefined): string {
  if (value instanceof RawJson) return value.text
  if (value === undefined) return 'null'
  if (Array.isArray(value)) return `[${value.map(toJsonText).join(',')}]`
  if (value !== null && typeof value === 'object') {
    // Object.keys, not a spread: a generated own "__proto__" key must be sent as data.
    const parts = Object.keys(value).map((k) => `${JSON.stringify(k)}:${toJsonText(value[k])}`)
    return `{${parts.join(',')}}`
  }
  // JSON.stringify(NaN) is "null": generated doubles stay JSON.
  return JSON.stringify(value)
}

/** The size the text of a value will have, without building it. */
export function jsonTextLength(value: JsonLike | undefined): number {
  if (value instanceof RawJson) return value.text.length
  if (value === undefined || value === null) return 4
  if (Array.isArray(value)) return value.reduce((n: number, v) => n + jsonTextLength(v) + 1, 2)
  if (typeof value === 'object') {
    return Object.keys(value).reduce((n, k) => n + k.length + 4 + jsonTextLength(value[k]), 2)
  }
  return String(value).length + 2
}
