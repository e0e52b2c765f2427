import { open } from 'node:fs/promises'
import type { AuditEntry, AuditFilter } from '../audit/audit-entry.ts'
import { runSealStep, type SealStep } from '../audit/segment-file.ts'
import { type AuditLayout, layoutEntries, queryLayout, verifyLayout } from '../audit/segment-read.ts'
import { writeAtomically } from '../files/atomic-write.ts'
import { workerOp } from './worker-reply.ts'

/** Audit reads on a compute thread, across the segments on disk, each opened read-only (segment-read.ts). */
export const auditQuery = workerOp(({ layout, filter }: { layout: AuditLayout; filter: AuditFilter }) =>
  queryLayout(layout, filter),
)

export const auditVerify = workerOp(({ layout }: { layout: AuditLayout }) => verifyLayout(layout))

/** A seal's disk work (segment-file.ts): folding the WAL, syncing, off the event loop. */
export const auditSealStep = workerOp(({ step, path }: { step: SealStep; path: string }) =>
  runSealStep(step, path),
)

export const AUDIT_COLUMNS: Array<keyof AuditEntry> = [
  'seq',
  'time',
  'tool',
  'sessionId',
  'identity',
  'paramsDigest',
  'outcome',
  'runtime',
  'durationMs',
  'prevHash',
  'hash',
]

/** Characters that make a CSV cell need quotes. */
export const CSV_SPECIAL = /[",\n]/

function csvCell(value: unknown): string {
  const text = value === null || value === undefined ? '' : String(value)
  return CSV_SPECIAL.test(text) ? `"${text.replaceAll('"', '""')}"` : text
}

/** Rows written per write call, so a long log is streamed, not held as one string. */
const BATCH = 1_000

export const auditExport = workerOp(
  async ({ layout, target, format }: { layout: AuditLayout; target: string; format: 'jsonl' | 'csv' }) => {
    let entries = 0
    await writeAtomically(target, async (tmp) => {
      const file = await open(tmp, 'w')
      try {
        let lines: string[] = format === 'csv' ? [AUDIT_COLUMNS.join(',')] : []
        for (const e of layoutEntries(layout)) {
          lines.push(format === 'csv' ? AUDIT_COLUMNS.map((c) => csvCell(e[c])).join(',') : JSON.stringify(e))
          entries++
          if (lines.length >= BATCH) {
            await file.write(`${lines.join('\n')}\n`)
            lines = []
          }
        }
        if (lines.length > 0) await file.write(`${lines.join('\n')}\n`)
      } finally {
        await file.close()
      }
    })
    return entries
  },
)
