import { readFile, writeFile } from 'node:fs/promises'
import { McppError } from '../../shared/errors.ts'
import type { FindingKind } from '../../shared/security/detectors.ts'
import { type Finding, redactText, scanText } from '../../shared/security/scan.ts'
import { MAX_OUTPUT_TEXT_CHARS } from '../../shared/text/limits.ts'
import { writeAtomically } from '../files/atomic-write.ts'
import { workerOp } from './worker-reply.ts'

/** Scans and redactions on a compute thread: the patterns are linear, but 16 MB still takes seconds. */
export interface ScanOptions {
  kinds: FindingKind[]
  entropyThreshold: number
}

/** The text itself, or a file (already confined to the roots) that the thread reads. */
export type TextSource = { text: string } | { file: string }

export interface LineFinding extends Finding {
  line: number
}

export interface ScanResult {
  /** The first `limit` findings, in text order. */
  findings: LineFinding[]
  counts: Record<string, number>
  total: number
}

const read = (source: TextSource) => ('text' in source ? source.text : readFile(source.file, 'utf8'))

function withLines(text: string, findings: readonly Finding[]): LineFinding[] {
  const starts = [0]
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) starts.push(i + 1)
  return findings.map((f) => {
    let lo = 0
    let hi = starts.length - 1
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1
      if ((starts[mid] as number) <= f.start) lo = mid
      else hi = mid - 1
    }
    return { ...f, line: lo + 1 }
  })
}

export function countByType(found: ReadonlyArray<{ type: string }>): Record<string, number> {
  const byType: Record<string, number> = {}
  for (const f of found) byType[f.type] = (byType[f.type] ?? 0) + 1
  return byType
}

export const scan = workerOp(
  async ({ source, limit, ...options }: { source: TextSource; limit: number } & ScanOptions) => {
    const text = await read(source)
    const found = scanText(text, options)
    const result: ScanResult = {
      findings: withLines(text, found.slice(0, limit)),
      counts: countByType(found),
      total: found.length,
    }
    return result
  },
)

export interface RedactArgs extends ScanOptions {
  source: TextSource
  replacement?: string | undefined
  /** Write the redacted text here (atomically) instead of answering with it. */
  output?: string
}

export const redact = workerOp(async ({ source, replacement, output, ...options }: RedactArgs) => {
  const text = await read(source)
  const found = scanText(text, options)
  const redacted = redactText(text, found, replacement)
  const counts = countByType(found)
  if (output !== undefined) {
    await writeAtomically(output, (tmp) => writeFile(tmp, redacted))
    return { redacted: found.length, counts }
  }
  if (redacted.length > MAX_OUTPUT_TEXT_CHARS) {
    throw new McppError(
      'INVALID_PARAMS',
      `replacement: the redacted text would be ${redacted.length} characters (at most ${MAX_OUTPUT_TEXT_CHARS}); use a shorter replacement`,
      { problems: [{ param: 'replacement', problem: 'redacted text too long' }] },
    )
  }
  return { text: redacted, redacted: found.length, counts }
})

/** One dataset cell: row, column and its text. */
export type Cell = [number, string, string]

export const scanCells = workerOp(({ cells, ...options }: { cells: Cell[] } & ScanOptions) =>
  cells.flatMap(([row, column, value]) =>
    scanText(value, options).map((f) => ({ row, column, type: f.type, kind: f.kind, preview: f.preview })),
  ),
)
