import { open } from 'node:fs/promises'
import { DatabaseSync } from 'node:sqlite'
import type { AuditEntry, AuditFilter } from '../audit/audit-entry.ts'
import { auditEntries, queryAudit, verifyAudit } from '../audit/audit-read.ts'
import { writeAtomically } from '../files/atomic-write.ts'
import { workerOp } from './worker-reply.ts'

/** Audit reads on a compute thread, each on its own read-only connection (WAL lets it read beside the writer). */
function withDb<T>(path: string, fn: (db: DatabaseSync) => T): T {
  const db = new DatabaseSync(path, { readOnly: true })
  try {
    return fn(db)
  } finally {
    db.close()
  }
}

export const auditQuery = workerOp(({ path, filter }: { path: string; filter: AuditFilter }) =>
  withDb(path, (db) => queryAudit(db, filter)),
)

export const auditVerify = workerOp(({ path }: { path: string }) => withDb(path, verifyAudit))

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
  async ({ path, target, format }: { path: string; target: string; format: 'jsonl' | 'csv' }) => {
    let entries = 0
    await writeAtomically(target, async (tmp) => {
      const file = await open(tmp, 'w')
      try {
        let lines: string[] = format === 'csv' ? [AUDIT_COLUMNS.join(',')] : []
        const db = new DatabaseSync(path, { readOnly: true })
        try {
          for (const e of auditEntries(db)) {
            lines.push(
              format === 'csv' ? AUDIT_COLUMNS.map((c) => csvCell(e[c])).join(',') : JSON.stringify(e),
            )
            entries++
            if (lines.length >= BATCH) {
              await file.write(`${lines.join('\n')}\n`)
              lines = []
            }
          }
        } finally {
          db.close()
        }
        if (lines.length > 0) await file.write(`${lines.join('\n')}\n`)
      } finally {
        await file.close()
      }
    })
    return entries
  },
)
