import { stat } from 'node:fs/promises'
import { z } from 'zod'
import { McppError } from '../../shared/errors.ts'
import { decideAccess } from '../../shared/security/access-policy.ts'
import { DEFAULT_ENTROPY_THRESHOLD } from '../../shared/security/detectors.ts'
import { MAX_OUTPUT_TEXT_CHARS, MAX_TEXT_CHARS } from '../../shared/text/limits.ts'
import { defineTool } from '../../shared/tool/define-tool.ts'
import type { ToolCategory } from '../../shared/tool/types.ts'
import type { ScanResult } from '../compute/security-ops.ts'
import { confinePath } from '../files/confine-path.ts'
import { existingFile } from '../files/existing-path.ts'
import { pathParam } from '../files/path-param.ts'
import { securityDatasetTool } from './security-dataset.ts'
import type { ToolDeps } from './tool-deps.ts'

export const SECURITY_CATEGORY = {
  name: 'security',
  description:
    'Find and redact secrets (key formats, entropy) and personal data (emails, phones, Luhn-checked cards); check the access policy',
}

const MAX_FILE_BYTES = 16 * 1024 * 1024
/** Findings listed in one answer; `counts` covers them all. */
export const MAX_LISTED_FINDINGS = 1_000
const fmt = (n: number) => n.toLocaleString('en')
const text = z
  .string()
  .max(MAX_TEXT_CHARS)
  .describe(`At most ${fmt(MAX_TEXT_CHARS)} characters`)
const kinds = z
  .array(z.enum(['secret', 'pii']))
  .min(1)
  .max(2)
  .default(['secret', 'pii'])
  .describe('What to look for: secret, pii or both')
const entropyThreshold = z
  .number()
  .min(1)
  .max(8)
  .default(DEFAULT_ENTROPY_THRESHOLD)
  .describe('Bits per character above which a long token counts as a secret')
const replacement = z
  .string()
  .max(64)
  .optional()
  .describe('Text put in place of each finding (default: [REDACTED:<type>])')
const finding = z.object({
  type: z.string(),
  kind: z.enum(['secret', 'pii']),
  start: z.number().int(),
  end: z.number().int(),
  line: z.number().int(),
  preview: z.string(),
})
const scanOutput = {
  findings: z.array(finding).describe(`The first ${fmt(MAX_LISTED_FINDINGS)} findings in text order`),
  counts: z.record(z.string(), z.number()).describe('Findings by type, all of them'),
  truncated: z
    .boolean()
    .describe(`More than ${fmt(MAX_LISTED_FINDINGS)} findings; the rest are only counted`),
}
const READ = { readOnlyHint: true, idempotentHint: true, openWorldHint: false } as const

/** Confines and checks a file; the compute thread reads it. */
async function textFile(path: string, roots: readonly string[]): Promise<string> {
  const file = existingFile(path, roots)
  const info = await stat(file)
  if (info.size > MAX_FILE_BYTES) {
    throw new McppError(
      'INVALID_PARAMS',
      `path: the file is ${info.size} bytes; the limit is ${MAX_FILE_BYTES}`,
      {
        problems: [{ param: 'path', problem: 'file too large' }],
      },
    )
  }
  return file
}

const listed = ({ findings, counts, total }: ScanResult) => ({
  findings,
  counts,
  truncated: total > findings.length,
})

export type SecurityToolDeps = Pick<ToolDeps, 'policy' | 'fileRoots' | 'registry' | 'compute' | 'datasets'>

/**
 * Scans and redactions run on the compute pool (issue 9): the detectors are linear
 * (each pattern is checked with recheck), yet 16 MB still takes seconds.
 */
export function securityTools(deps: SecurityToolDeps): ToolCategory {
  const { policy, fileRoots: roots, registry } = deps
  const compute = deps.compute.pool
  const scan = defineTool({
    name: 'security_scan_text',
    category: 'security',
    description:
      'Scan text for secrets (cloud and API keys, private keys, tokens, high-entropy strings) and personal data (emails, phone numbers, card numbers)',
    input: z.object({ text, kinds, entropyThreshold }),
    output: z.object(scanOutput),
    annotations: { title: 'Scan text', ...READ },
    handlers: {
      local: async ({ text, ...options }, ctx) =>
        listed(
          await compute.run<ScanResult>(
            'scan',
            { source: { text }, limit: MAX_LISTED_FINDINGS, ...options },
            { signal: ctx.signal },
          ),
        ),
    },
  })

  const scanFile = defineTool({
    name: 'security_scan_file',
    category: 'security',
    description:
      'Scan a text file (CSV, JSON, JSONL, logs…) under the data roots for secrets and personal data; for Parquet, load it and use security_scan_dataset',
    input: z.object({
      path: pathParam.describe('The text file, under the file root (<data-dir>/files), relative to it'),
      kinds,
      entropyThreshold,
    }),
    output: z.object({ path: z.string(), ...scanOutput }),
    annotations: { title: 'Scan a file', ...READ },
    handlers: {
      local: async ({ path, ...options }, ctx) => {
        const file = await textFile(path, roots)
        const result = await compute.run<ScanResult>(
          'scan',
          { source: { file }, limit: MAX_LISTED_FINDINGS, ...options },
          { signal: ctx.signal },
        )
        return { path: file, ...listed(result) }
      },
    },
  })

  const redact = defineTool({
    name: 'security_redact_text',
    category: 'security',
    description: `Return text with every secret and personal datum found (keys, tokens, emails, phone numbers, card numbers) replaced by [REDACTED:<type>]; the answer is at most ${fmt(MAX_OUTPUT_TEXT_CHARS)} characters`,
    input: z.object({
      text,
      kinds,
      entropyThreshold,
      replacement,
    }),
    output: z.object({
      text: z.string(),
      redacted: z.number().int(),
      counts: z.record(z.string(), z.number()),
    }),
    annotations: { title: 'Redact text', ...READ },
    handlers: {
      local: ({ text, replacement, ...options }, ctx) =>
        compute.run<{ text: string; redacted: number; counts: Record<string, number> }>(
          'redact',
          { source: { text }, replacement, ...options },
          { signal: ctx.signal },
        ),
    },
  })

  const redactFile = defineTool({
    name: 'security_redact_file',
    category: 'security',
    description:
      'Write a redacted copy of a file under the data roots (the original is kept; written atomically)',
    input: z.object({
      path: pathParam.describe('The text file, under the file root (<data-dir>/files), relative to it'),
      output: pathParam.describe('Where to write the redacted copy, under the file root'),
      kinds,
      entropyThreshold,
      replacement,
    }),
    output: z.object({
      path: z.string(),
      redacted: z.number().int(),
      counts: z.record(z.string(), z.number()),
    }),
    annotations: {
      title: 'Redact a file',
      readOnlyHint: false,
      destructiveHint: true,
      idempotentHint: true,
      openWorldHint: false,
    },
    handlers: {
      local: async ({ path, output, replacement, ...options }, ctx) => {
        const file = await textFile(path, roots)
        const target = confinePath(output, roots, 'output')
        const result = await compute.run<{ redacted: number; counts: Record<string, number> }>(
          'redact',
          { source: { file }, output: target, replacement, ...options },
          { signal: ctx.signal },
        )
        return { path: target, ...result }
      },
    },
  })

  const check = defineTool({
    name: 'security_check_access',
    category: 'security',
    description:
      'Check a permission: whether the access policy lets an identity (or the calling one) call a tool, and which rule decides',
    input: z.object({
      tool: z.string().min(1).max(256).describe('Tool name'),
      identity: z.string().max(1024).optional().describe('Defaults to the caller'),
    }),
    output: z.object({
      identity: z.string().nullable(),
      tool: z.string(),
      allowed: z.boolean(),
      reason: z.string(),
    }),
    annotations: { title: 'Check access', ...READ },
    handlers: {
      local: async ({ tool, identity }, ctx) => {
        const who = identity ?? ctx.caller.identity
        return { identity: who ?? null, tool, ...decideAccess(policy, who, registry.require(tool)) }
      },
    },
  })

  return {
    info: SECURITY_CATEGORY,
    tools: [scan, scanFile, redact, redactFile, check, securityDatasetTool(deps.datasets, compute)],
  }
}
