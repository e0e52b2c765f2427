import { writeFile } from 'node:fs/promises'
import { z } from 'zod'
import { defineTool } from '../../shared/tool/define-tool.ts'
import type { AuditEntry, AuditLog } from '../audit/audit-log.ts'
import { writeAtomically } from '../files/atomic-write.ts'
import { confinePath } from '../files/confine-path.ts'

export const AUDIT_CATEGORY = {
  name: 'audit',
  description: 'The append-only, hash-chained record of every tool call on this relay: query, verify, export',
}

const entry = z.object({
  seq: z.number().int(),
  time: z.number(),
  tool: z.string(),
  sessionId: z.string().nullable(),
  identity: z.string().nullable(),
  paramsDigest: z.string(),
  outcome: z.string(),
  runtime: z.string().nullable(),
  durationMs: z.number(),
  prevHash: z.string(),
  hash: z.string(),
})

const COLUMNS: Array<keyof AuditEntry> = [
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

function csvCell(value: unknown): string {
  const text = value === null || value === undefined ? '' : String(value)
  return /[",\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text
}

export function auditTools(log: AuditLog, roots: readonly string[]) {
  const query = defineTool({
    name: 'audit_query',
    category: 'audit',
    description: 'Recorded tool calls, newest first, filtered by tool, outcome, session and time range',
    input: z.object({
      tool: z.string().optional(),
      outcome: z.string().optional().describe('ok, or an error code such as INVALID_PARAMS'),
      sessionId: z.string().optional(),
      since: z.number().optional().describe('Unix ms, inclusive'),
      until: z.number().optional().describe('Unix ms, inclusive'),
      limit: z.number().int().min(1).max(1000).default(100),
      offset: z.number().int().min(0).default(0),
    }),
    output: z.object({ entries: z.array(entry), total: z.number().int() }),
    annotations: {
      title: 'Query the audit log',
      readOnlyHint: true,
      idempotentHint: false,
      openWorldHint: false,
    },
    handlers: { local: async (filter) => log.query(filter) },
  })

  const verify = defineTool({
    name: 'audit_verify',
    category: 'audit',
    description:
      'Check the hash chain of the whole audit log; reports the first entry that was altered or removed',
    input: z.object({}),
    output: z.object({
      ok: z.boolean(),
      checked: z.number().int(),
      brokenAt: z.number().int().optional(),
      problem: z.string().optional(),
    }),
    annotations: {
      title: 'Verify the audit log',
      readOnlyHint: true,
      idempotentHint: false,
      openWorldHint: false,
    },
    handlers: { local: async () => log.verify() },
  })

  const exportLog = defineTool({
    name: 'audit_export',
    category: 'audit',
    description:
      'Write the whole audit log to a file under the data roots as JSONL or CSV (written atomically)',
    input: z.object({ path: z.string().min(1), format: z.enum(['jsonl', 'csv']).default('jsonl') }),
    output: z.object({ path: z.string(), entries: z.number().int(), format: z.string() }),
    annotations: {
      title: 'Export the audit log',
      readOnlyHint: false,
      destructiveHint: true,
      idempotentHint: true,
      openWorldHint: false,
    },
    handlers: {
      local: async ({ path, format }) => {
        const target = confinePath(path, roots)
        const lines: string[] = format === 'csv' ? [COLUMNS.join(',')] : []
        for (const e of log.all()) {
          lines.push(format === 'csv' ? COLUMNS.map((c) => csvCell(e[c])).join(',') : JSON.stringify(e))
        }
        await writeAtomically(target, (tmp) => writeFile(tmp, `${lines.join('\n')}\n`))
        return { path: target, entries: format === 'csv' ? lines.length - 1 : lines.length, format }
      },
    },
  })

  return { info: AUDIT_CATEGORY, tools: [query, verify, exportLog] }
}
