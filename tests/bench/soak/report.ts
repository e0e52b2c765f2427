import type { Row } from '../table.ts'
import type { SoakOptions } from './options.ts'
import type { Sample } from './samples.ts'
import { drift, FLAT_TOLERANCE, flatness, type MinuteSpan, minuteSpans, percentile, slope } from './stats.ts'
import type { CallRecord, LoadLog, StreamKind } from './streams.ts'

const MB = 1024 * 1024
const section = 'soak'

/** What each reported minute saw: calls that answered in it, and the last sample taken in it. */
interface Minute {
  span: MinuteSpan
  calls: CallRecord[]
  sample: Sample | undefined
  /** The last sample before this minute: CPU time and retention's counters count from it. */
  before: Sample | undefined
}

function minutes(options: SoakOptions, log: LoadLog, samples: readonly Sample[], until: number): Minute[] {
  return minuteSpans(options.warmupSeconds, Math.min(options.seconds, until)).map((span) => ({
    span,
    calls: log.calls.filter((c) => c.at >= span.from && c.at < span.to),
    sample: samples.filter((s) => s.at >= span.from && s.at < span.to).at(-1),
    // The first minute counts from the first sample, taken as the load started.
    before: samples.filter((s) => s.at < span.from).at(-1) ?? samples[0],
  }))
}

/** The relay's CPU over a minute, as a percentage of one core. */
function cpu(m: Minute): string {
  if (m.sample === undefined) return '—'
  const from = m.before ?? m.sample
  if (m.sample.at === from.at) return '—'
  return (((m.sample.relayCpuMs - from.relayCpuMs) / ((m.sample.at - from.at) * 1000)) * 100).toFixed(0)
}

/** How much a retention counter rose over a minute; '—' from a relay that does not export it. */
function removed(m: Minute, pick: (s: Sample) => number | undefined): string {
  const end = m.sample === undefined ? undefined : pick(m.sample)
  if (end === undefined) return '—'
  return String(end - ((m.before === undefined ? 0 : pick(m.before)) ?? 0))
}

const tasksDone = (m: Minute) => m.calls.reduce((sum, c) => sum + c.tasks, 0)
const okCalls = (m: Minute, kind: StreamKind) => m.calls.filter((c) => c.kind === kind && c.ok).length
function p99(m: Minute, kind: StreamKind): number {
  const ms = m.calls.filter((c) => c.kind === kind && c.ok).map((c) => c.ms)
  return percentile(
    ms.sort((a, b) => a - b),
    99,
  )
}

const mb = (bytes: number | undefined) =>
  bytes === undefined || Number.isNaN(bytes) ? '—' : (bytes / MB).toFixed(1)
const ms = (n: number) => (Number.isNaN(n) ? '—' : n.toFixed(1))

/** The per-minute table: throughput, p99 latencies, failures, memory and store sizes. */
export function minuteTable(
  options: SoakOptions,
  log: LoadLog,
  samples: readonly Sample[],
  until: number,
): string {
  const rows = minutes(options, log, samples, until)
  const tabCount = Math.max(0, ...samples.map((s) => s.tabs.length))
  const header = [
    'minute',
    'tasks done',
    'tool calls',
    'tool p99 ms',
    'query p99 ms',
    'ipfs_add p99 ms',
    'failed',
    'load avg',
    'relay CPU %',
    'relay RSS MB',
    'relay heap MB',
    'relay external MB',
    'relay heap committed MB',
    'threads heap MB',
    ...Array.from({ length: tabCount }, (_, i) => `tab ${i + 1} heap MB`),
    'tasks.db MB',
    'blocks MB',
    'tasks expired',
    'blocks collected',
  ]
  const body = rows.map((m) => [
    m.span.warmup ? `warm-up ${m.span.from}–${m.span.to} s` : String(m.span.index + 1),
    String(tasksDone(m)),
    String(okCalls(m, 'tools')),
    ms(p99(m, 'tools')),
    ms(p99(m, 'queries')),
    ms(p99(m, 'ipfs')),
    String(m.calls.filter((c) => !c.ok).length),
    m.sample === undefined ? '—' : m.sample.load.toFixed(1),
    cpu(m),
    mb(m.sample?.relayRss),
    mb(m.sample?.relayHeap),
    mb(m.sample?.relayExternal),
    mb(m.sample?.relayHeapTotal),
    mb(m.sample?.threadsHeap),
    ...Array.from({ length: tabCount }, (_, i) => mb(m.sample?.tabs[i])),
    mb(m.sample?.tasksDb),
    mb(m.sample?.blocks),
    removed(m, (s) => s.tasksExpired),
    removed(m, (s) => s.blocksCollected),
  ])
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => (b[i] as string).length)))
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padStart(widths[i] as number)).join(' | ')} |`
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)].join('\n')
}

/** How "flat" is decided, printed under the table so a reader need not look it up. */
export const FLAT_DEFINITION = `store "flat": size at the end ≤ max(${1 + FLAT_TOLERANCE.ratio} × P, P + ${FLAT_TOLERANCE.absolute} MB), P = the largest size over the first half of the samples after the warm-up`

/** Summary rows in the bench table's format, with the issue's targets. */
export function summaryRows(
  options: SoakOptions,
  log: LoadLog,
  samples: readonly Sample[],
  until: number,
): Row[] {
  const measured = samples.filter((s) => s.at >= options.warmupSeconds)
  const series = (pick: (s: Sample) => number) => measured.map((s) => ({ x: s.at / 60, y: pick(s) / MB }))
  const tabCount = Math.max(0, ...samples.map((s) => s.tabs.length))
  const rows: Row[] = [
    {
      section,
      metric: 'relay RSS slope after warm-up',
      value: slope(series((s) => s.relayRss)),
      unit: 'MB/min',
      target: { kind: 'max', of: 'value', limit: 1 },
    },
    {
      section,
      metric: 'relay V8 heap used slope (no GC forced)',
      value: slope(series((s) => s.relayHeap)),
      unit: 'MB/min',
    },
    {
      section,
      metric: 'relay external memory slope (Buffers, ArrayBuffers)',
      value: slope(series((s) => s.relayExternal)),
      unit: 'MB/min',
    },
    {
      section,
      metric: 'relay V8 heap committed slope (main thread)',
      value: slope(series((s) => s.relayHeapTotal)),
      unit: 'MB/min',
    },
    {
      section,
      metric: 'compute threads V8 heap committed slope',
      value: slope(series((s) => s.threadsHeap ?? Number.NaN)),
      unit: 'MB/min',
    },
  ]
  for (let i = 0; i < tabCount; i++) {
    rows.push({
      section,
      metric: `tab ${i + 1} JS heap slope (page + workers, after GC)`,
      value: slope(series((s) => s.tabs[i] ?? Number.NaN)),
      unit: 'MB/min',
      target: { kind: 'max', of: 'value', limit: 0.5 },
    })
  }
  for (const [name, pick] of [
    ['tasks.db (+wal, shm)', (s: Sample) => s.tasksDb],
    ['blockstore', (s: Sample) => s.blocks],
  ] as const) {
    const flat = flatness(series(pick))
    rows.push({
      section,
      metric: `${name} on disk at the end (baseline: first-half peak)`,
      value: flat.end,
      baseline: flat.peak,
      unit: 'MB',
      target: {
        kind: 'max',
        of: 'value',
        limit: Math.max((1 + FLAT_TOLERANCE.ratio) * flat.peak, flat.peak + FLAT_TOLERANCE.absolute),
      },
    })
  }
  const spans = minutes(options, log, samples, until).filter((m) => !m.span.warmup)
  const first = spans[0]
  const last = spans.at(-1)
  if (first !== undefined && last !== undefined) {
    const label = `minute ${last.span.index + 1} (baseline: minute 1)`
    for (const [what, count] of [
      ['tasks completed', tasksDone],
      ['tool calls answered', (m: Minute) => okCalls(m, 'tools')],
    ] as const) {
      rows.push(
        { section, metric: `${what}, ${label}`, value: count(last), baseline: count(first), unit: '/min' },
        {
          section,
          metric: `  drift from minute 1`,
          value: drift(count(first), count(last)) * 100,
          unit: '%',
          target: { kind: 'max', of: 'value', limit: 10 },
        },
      )
    }
    rows.push({
      section,
      metric: `tool-call p99, ${label}`,
      value: p99(last, 'tools'),
      baseline: p99(first, 'tools'),
      unit: 'ms',
    })
  }
  const failed = log.calls.filter((c) => !c.ok).length
  rows.push(
    { section, metric: 'calls answered', value: log.calls.length - failed, unit: 'calls' },
    {
      section,
      metric: 'calls failed',
      value: failed,
      unit: 'calls',
      target: { kind: 'max', of: 'value', limit: 0 },
    },
    {
      section,
      metric: `call starts skipped at a stream's in-flight cap${[...log.skipped].map(([k, n]) => ` (${k} ${n})`).join('')}`,
      value: [...log.skipped.values()].reduce((a, b) => a + b, 0),
      unit: 'calls',
    },
  )
  return rows
}
