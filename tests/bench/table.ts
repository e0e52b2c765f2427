/** One line of the bench report: a measured value, its same-run baseline and target. */
export interface Row {
  section: string
  metric: string
  value: number
  unit: string
  /** The same quantity measured in the same run on the baseline, when there is one. */
  baseline?: number
  /** What the target compares: the value itself, or value / baseline. */
  target?: { kind: 'max' | 'min'; of: 'value' | 'ratio'; limit: number }
}

function fmt(n: number | undefined): string {
  if (n === undefined || Number.isNaN(n)) return '—'
  if (Math.abs(n) >= 100) return Math.round(n).toLocaleString('en-US')
  if (Math.abs(n) >= 1) return n.toFixed(2)
  return n.toPrecision(3)
}

export function verdict(row: Row): 'pass' | 'MISS' | '' {
  if (row.target === undefined) return ''
  const { kind, of, limit } = row.target
  const x = of === 'ratio' ? row.value / (row.baseline ?? Number.NaN) : row.value
  if (Number.isNaN(x)) return 'MISS'
  return (kind === 'max' ? x <= limit : x >= limit) ? 'pass' : 'MISS'
}

function targetText(row: Row): string {
  if (row.target === undefined) return ''
  const { kind, of, limit } = row.target
  const op = kind === 'max' ? '≤' : '≥'
  return of === 'ratio' ? `${op} ${limit}× base` : `${op} ${fmt(limit)} ${row.unit}`
}

/** Renders rows as a Markdown table (readable in a terminal and pasteable into notes). */
export function renderTable(rows: readonly Row[]): string {
  const header = ['section', 'metric', 'mcpp', 'baseline', 'ratio', 'unit', 'target', '']
  const body = rows.map((r) => [
    r.section,
    r.metric,
    fmt(r.value),
    fmt(r.baseline),
    r.baseline === undefined ? '' : `${(r.value / r.baseline).toFixed(2)}×`,
    r.unit,
    targetText(r),
    verdict(r),
  ])
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => (b[i] as string).length)))
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i] as number)).join(' | ')} |`
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)].join('\n')
}
