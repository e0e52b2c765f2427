import { RawJson } from './json-text.ts'

const MAX_ITEMS = 12
const MAX_STRING = 160
const MAX_DEPTH = 8

/**
 * A bounded, readable rendering of a generated input for reports: long strings,
 * arrays and byte arrays are cut with their size noted, RawJson prints its label.
 * (fc.stringify renders every byte of a 1 MiB string, which is slow and unreadable.)
 * The exact input is replayed from the seed and path printed beside it.
 */
export function preview(value: unknown, depth = 0): string {
  if (value instanceof RawJson) return value.label
  if (value === undefined) return 'undefined'
  if (typeof value === 'string') {
    return value.length > MAX_STRING
      ? `${JSON.stringify(value.slice(0, MAX_STRING))}…(${value.length} chars)`
      : JSON.stringify(value)
  }
  if (typeof value === 'number') return Object.is(value, -0) ? '-0' : String(value)
  if (typeof value !== 'object' || value === null) return String(value)
  if (depth >= MAX_DEPTH) return '…'
  if (value instanceof Uint8Array) {
    const hex = Buffer.from(value.subarray(0, 48)).toString('hex')
    return `bytes(${value.byteLength}: ${hex}${value.byteLength > 48 ? '…' : ''})`
  }
  if (Array.isArray(value)) {
    const items = value.slice(0, MAX_ITEMS).map((v) => preview(v, depth + 1))
    if (value.length > MAX_ITEMS) items.push(`…(${value.length} items)`)
    return `[${items.join(',')}]`
  }
  const keys = Object.keys(value)
  const members = keys
    .slice(0, MAX_ITEMS * 2)
    .map((k) => `${JSON.stringify(k)}:${preview((value as Record<string, unknown>)[k], depth + 1)}`)
  if (keys.length > MAX_ITEMS * 2) members.push(`…(${keys.length} keys)`)
  return `{${members.join(',')}}`
}
