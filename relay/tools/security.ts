import { readFile, stat, writeFile } from 'node:fs/promises'
import { z } from 'zod'
import { McppError } from '../../shared/errors.ts'
import { type AccessPolicy, decideAccess } from '../../shared/security/access-policy.ts'
import { DEFAULT_ENTROPY_THRESHOLD } from '../../shared/security/detectors.ts'
import { redactText, scanText } from '../../shared/security/scan.ts'
import { defineTool } from '../../shared/tool/define-tool.ts'
import { writeAtomically } from '../files/atomic-write.ts'
import { confinePath } from '../files/confine-path.ts'

export const SECURITY_CATEGORY = {
  name: 'security',
  description:
    'Find and redact secrets (key formats, entropy) and personal data (emails, phones, Luhn-checked cards); check the access policy',
}

const MAX_FILE_BYTES = 16 * 1024 * 1024
const kinds = z
  .array(z.enum(['secret', 'pii']))
  .min(1)
  .default(['secret', 'pii'])
  .describe('What to look for')
const entropyThreshold = z
  .number()
  .min(1)
  .max(8)
  .default(DEFAULT_ENTROPY_THRESHOLD)
  .describe('Bits per character above which a long token counts as a secret')
const finding = z.object({
  type: z.string(),
  kind: z.enum(['secret', 'pii']),
  start: z.number().int(),
  end: z.number().int(),
  line: z.number().int(),
  preview: z.string(),
})
const READ = { readOnlyHint: true, idempotentHint: true, openWorldHint: false } as const

function withLines(text: string, findings: ReturnType<typeof scanText>) {
  const starts = [0]
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) starts.push(i + 1)
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

async function readText(path: string, roots: readonly string[]): Promise<{ file: string; text: string }> {
  const file = confinePath(path, roots)
  const info = await stat(file).catch(() => undefined)
  if (!info?.isFile()) throw new McppError('NOT_FOUND', `path: "${path}" is not a file`)
  if (info.size > MAX_FILE_BYTES) {
    throw new McppError(
      'INVALID_PARAMS',
      `path: the file is ${info.size} bytes; the limit is ${MAX_FILE_BYTES}`,
      {
        problems: [{ param: 'path', problem: 'file too large' }],
      },
    )
  }
  return { file, text: await readFile(file, 'utf8') }
}

const summary = (found: Array<{ type: string }>) => {
  const byType: Record<string, number> = {}
  for (const f of found) byType[f.type] = (byType[f.type] ?? 0) + 1
  return byType
}

export function securityTools(
  policy: AccessPolicy,
  roots: readonly string[],
  lookup: (tool: string) => { name: string; category: string },
) {
  const scan = defineTool({
    name: 'security_scan_text',
    category: 'security',
    description:
      'Scan text for secrets (cloud and API keys, private keys, tokens, high-entropy strings) and personal data',
    input: z.object({ text: z.string().max(MAX_FILE_BYTES), kinds, entropyThreshold }),
    output: z.object({ findings: z.array(finding), counts: z.record(z.string(), z.number()) }),
    annotations: { title: 'Scan text', ...READ },
    handlers: {
      local: async ({ text, ...options }) => {
        const findings = withLines(text, scanText(text, options))
        return { findings, counts: summary(findings) }
      },
    },
  })

  const scanFile = defineTool({
    name: 'security_scan_file',
    category: 'security',
    description:
      'Scan a text file (CSV, JSON, JSONL, logs…) under the data roots for secrets and personal data; for Parquet, load it and use security_scan_dataset',
    input: z.object({ path: z.string().min(1), kinds, entropyThreshold }),
    output: z.object({
      path: z.string(),
      findings: z.array(finding),
      counts: z.record(z.string(), z.number()),
    }),
    annotations: { title: 'Scan a file', ...READ },
    handlers: {
      local: async ({ path, ...options }) => {
        const { file, text } = await readText(path, roots)
        const findings = withLines(text, scanText(text, options))
        return { path: file, findings, counts: summary(findings) }
      },
    },
  })

  const redact = defineTool({
    name: 'security_redact_text',
    category: 'security',
    description: 'Return text with every secret and personal datum found replaced by [REDACTED:<type>]',
    input: z.object({
      text: z.string().max(MAX_FILE_BYTES),
      kinds,
      entropyThreshold,
      replacement: z.string().max(64).optional(),
    }),
    output: z.object({
      text: z.string(),
      redacted: z.number().int(),
      counts: z.record(z.string(), z.number()),
    }),
    annotations: { title: 'Redact text', ...READ },
    handlers: {
      local: async ({ text, replacement, ...options }) => {
        const found = scanText(text, options)
        return { text: redactText(text, found, replacement), redacted: found.length, counts: summary(found) }
      },
    },
  })

  const redactFile = defineTool({
    name: 'security_redact_file',
    category: 'security',
    description:
      'Write a redacted copy of a file under the data roots (the original is kept; written atomically)',
    input: z.object({
      path: z.string().min(1),
      output: z.string().min(1).describe('Where to write the redacted copy'),
      kinds,
      entropyThreshold,
      replacement: z.string().max(64).optional(),
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
      local: async ({ path, output, replacement, ...options }) => {
        const { text } = await readText(path, roots)
        const target = confinePath(output, roots, 'output')
        const found = scanText(text, options)
        await writeAtomically(target, (tmp) => writeFile(tmp, redactText(text, found, replacement)))
        return { path: target, redacted: found.length, counts: summary(found) }
      },
    },
  })

  const check = defineTool({
    name: 'security_check_access',
    category: 'security',
    description:
      'Whether the access policy lets an identity (or the calling one) call a tool, and which rule decides',
    input: z.object({
      tool: z.string().min(1),
      identity: z.string().optional().describe('Defaults to the caller'),
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
        return { identity: who ?? null, tool, ...decideAccess(policy, who, lookup(tool)) }
      },
    },
  })

  return { info: SECURITY_CATEGORY, tools: [scan, scanFile, redact, redactFile, check] }
}
