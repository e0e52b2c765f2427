/** Small display helpers shared by the views. */

export function shortId(id: string | null | undefined, keep = 10): string {
  if (id === null || id === undefined) return '—'
  return id.length <= keep + 2 ? id : `${id.slice(0, 4)}…${id.slice(-(keep - 4))}`
}

export function ms(value: number | null | undefined): string {
  if (value === null || value === undefined) return '—'
  if (value < 1) return `${value.toFixed(2)} ms`
  if (value < 1000) return `${Math.round(value)} ms`
  return `${(value / 1000).toFixed(value < 10_000 ? 2 : 1)} s`
}

export function rate(value: number | undefined): string {
  return value === undefined ? '—' : `${value < 10 ? value.toFixed(1) : Math.round(value)}/s`
}

export function time(unixMs: number | null | undefined): string {
  return unixMs === null || unixMs === undefined ? '—' : new Date(unixMs).toLocaleTimeString()
}

export function duration(seconds: number): string {
  const s = Math.floor(seconds)
  if (s < 60) return `${s} s`
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`
}

export function json(value: unknown): string {
  return JSON.stringify(value, null, 2) ?? 'undefined'
}
