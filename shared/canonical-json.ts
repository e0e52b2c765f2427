/**
 * JSON with object keys sorted at every level, so equal values always give equal
 * text (and equal digests). Values JSON cannot carry become null, as in JSON.stringify;
 * object members that are undefined or functions are left out. The audit chain hashes
 * this text, so its output must never change. It runs on every tool call, hence the
 * plain loops.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null'
  if (Array.isArray(value)) {
    let out = '['
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i]
      out += (i === 0 ? '' : ',') + (item === undefined ? 'null' : canonicalJson(item))
    }
    return `${out}]`
  }
  const object = value as Record<string, unknown>
  // Default sort compares UTF-16 code units, as `<` on strings does.
  const keys = Object.keys(object).sort()
  let out = '{'
  for (const key of keys) {
    const item = object[key]
    if (item === undefined || typeof item === 'function') continue
    out += `${out.length === 1 ? '' : ','}${JSON.stringify(key)}:${canonicalJson(item)}`
  }
  return `${out}}`
}
