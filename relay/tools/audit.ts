import { z } from 'zod'
import { defineTool } from '../../shared/tool/define-tool.ts'
import type { ToolCategory } from '../../shared/tool/types.ts'
import type { AuditEntry } from '../audit/audit-log.ts'
import type { VerifyResult } from '../audit/segment-read.ts'
import { confinePath } from '../files/confine-path.ts'
import { pathParam } from '../files/path-param.ts'
import { auditSegmentTools } from './audit-segments.ts'
import type { ToolDeps } from './tool-deps.ts'

export const AUDIT_CATEGORY = {
  name: 'audit',
  description:
    'The append-only, hash-chained record of every tool call on this relay, in sealed segments: query, verify, export',
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

export type AuditToolDeps = Pick<ToolDeps, 'audit' | 'fileRoots' | 'compute'>

/**
 * Reads run on the compute pool with their own read-only connection (issue 9): a
 * count, a chain walk or an export of a long log would hold the event loop. Entries
 * still waiting to be written are flushed first, so a read sees every finished call.
 */
export function auditTools({
  audit: log,
  fileRoots: roots,
  compute: { pool: compute },
}: AuditToolDeps): ToolCategory {
  const query = defineTool({
    name: 'audit_query',
    category: 'audit',
    description:
      'Recorded tool calls (who called which tool, when, and whether it succeeded or failed), newest first, filtered by tool, outcome, session, identity and time range',
    input: z.object({
      tool: z.string().max(256).optional().describe('Only calls of this tool'),
      outcome: z.string().max(256).optional().describe('ok, or an error code such as INVALID_PARAMS'),
      sessionId: z.string().max(256).optional().describe('Only calls of this MCP session'),
      identity: z
        .string()
        .max(256)
        .optional()
        .describe('Only calls by this identity ("anonymous": calls without one)'),
      since: z.number().optional().describe('Unix ms, inclusive'),
      until: z.number().optional().describe('Unix ms, inclusive'),
      limit: z.number().int().min(1).max(1000).default(100).describe('Entries returned at most'),
      offset: z.number().int().min(0).default(0).describe('Entries skipped first, for paging'),
    }),
    output: z.object({ entries: z.array(entry), total: z.number().int() }),
    annotations: {
      title: 'Query the audit log',
      readOnlyHint: true,
      idempotentHint: false,
      openWorldHint: false,
    },
    handlers: {
      local: (filter, ctx) =>
        log.read((layout) =>
          compute.run<{ entries: AuditEntry[]; total: number }>(
            'auditQuery',
            { layout, filter },
            { signal: ctx.signal },
          ),
        ),
    },
  })

  const verify = defineTool({
    name: 'audit_verify',
    category: 'audit',
    description:
      'Check the hash chain of the whole audit log across its segments, from genesis or from the anchor recorded when exported segments were removed; reports the segment and entry where it breaks (altered, removed, or a segment missing)',
    input: z.object({}),
    output: z.object({
      ok: z.boolean(),
      checked: z.number().int().describe('Entries checked'),
      segments: z.number().int().describe('Segments walked'),
      from: z
        .object({ anchor: z.string(), afterSeq: z.number().int(), removedSegments: z.number().int() })
        .describe('Where the walk started: genesis (afterSeq 0) or the head of the last removed segment'),
      brokenAt: z.number().int().optional().describe('The seq of the first entry that does not hold'),
      segment: z.number().int().optional().describe('The segment that holds it'),
      problem: z.string().optional(),
    }),
    annotations: {
      title: 'Verify the audit log',
      readOnlyHint: true,
      idempotentHint: false,
      openWorldHint: false,
    },
    handlers: {
      local: (_input, ctx) =>
        log.read((layout) => compute.run<VerifyResult>('auditVerify', { layout }, { signal: ctx.signal })),
    },
  })

  const exportLog = defineTool({
    name: 'audit_export',
    category: 'audit',
    description:
      'Write every audit entry still on disk (all segments) to a file under the data roots as JSONL or CSV (written atomically)',
    input: z.object({
      path: pathParam.describe('File to write, under the file root (<data-dir>/files), relative to it'),
      format: z.enum(['jsonl', 'csv']).default('jsonl').describe('jsonl (one entry per line) or csv'),
    }),
    output: z.object({ path: z.string(), entries: z.number().int(), format: z.string() }),
    annotations: {
      title: 'Export the audit log',
      readOnlyHint: false,
      destructiveHint: true,
      idempotentHint: true,
      openWorldHint: false,
    },
    handlers: {
      local: async ({ path, format }, ctx) => {
        const target = confinePath(path, roots)
        const entries = await log.read((layout) =>
          compute.run<number>('auditExport', { layout, target, format }, { signal: ctx.signal }),
        )
        return { path: target, entries, format }
      },
    },
  })

  return {
    info: AUDIT_CATEGORY,
    tools: [query, verify, exportLog, ...auditSegmentTools({ audit: log, fileRoots: roots })],
  }
}
