/** The `file` category: what a file is, its digest, conversion between tabular formats, listing. */
import { createHash } from 'node:crypto'
import { createReadStream, existsSync, lstatSync, statSync } from 'node:fs'
import { open } from 'node:fs/promises'
import { relative } from 'node:path'
import { z } from 'zod'
import { DATA_FORMATS, formatFromPath, looksDelimited, sniffFormat } from '../../shared/data/formats.ts'
import { McppError } from '../../shared/errors.ts'
import { READS, WRITES } from '../../shared/tool/annotations.ts'
import { defineTool } from '../../shared/tool/define-tool.ts'
import type { ToolCategory } from '../../shared/tool/types.ts'
import { confinePath } from '../files/confine-path.ts'
import { existingFile, existingFolder } from '../files/existing-path.ts'
import { pathParam } from '../files/path-param.ts'
import { walkTree } from '../files/walk-tree.ts'
import type { ToolDeps } from './tool-deps.ts'

export const FILE_CATEGORY = {
  name: 'file',
  description:
    'Files under the data roots: detect a type from the bytes, hash, convert between CSV/JSON/JSONL/Parquet, list',
}

const HASHES = ['sha256', 'sha512', 'sha1', 'md5', 'sha3-256', 'blake2b512'] as const
const TEXT_MIME = { csv: 'text/csv', json: 'application/json', jsonl: 'application/x-ndjson' } as const

async function head(path: string, bytes = 4096): Promise<Uint8Array> {
  const file = await open(path, 'r')
  try {
    const buffer = new Uint8Array(bytes)
    const { bytesRead } = await file.read(buffer, 0, bytes, 0)
    return buffer.subarray(0, bytesRead)
  } finally {
    await file.close()
  }
}

export type FileToolDeps = Pick<ToolDeps, 'datasets'>

export function fileTools({ datasets }: FileToolDeps): ToolCategory {
  const { roots } = datasets

  const detect = defineTool({
    name: 'file_detect_type',
    category: 'file',
    description:
      "Detect a file's type from its bytes (magic numbers for binary formats; CSV, JSON, JSON Lines or plain text for text), not its name",
    input: z.object({
      path: pathParam.describe('The file, under the file root (<data-dir>/files), relative to it'),
    }),
    output: z.object({
      path: z.string(),
      bytes: z.number().int(),
      mime: z.string(),
      extension: z.string().nullable().describe('The usual extension for the detected type'),
      text: z.boolean(),
      tabular: z.enum(DATA_FORMATS).nullable().describe('Readable by dataset_load as this format'),
    }),
    example: { path: 'uploads/unknown.bin' },
    annotations: { title: 'Detect file type', ...READS },
    handlers: {
      local: async ({ path }) => {
        const absolute = existingFile(path, roots)
        const bytes = statSync(absolute).size
        const { fileTypeFromFile } = await import('file-type')
        const magic = await fileTypeFromFile(absolute)
        if (magic) {
          const tabular = magic.ext === 'parquet' ? ('parquet' as const) : null
          return { path, bytes, mime: magic.mime, extension: magic.ext, text: false, tabular }
        }
        const sample = await head(absolute)
        const format = sniffFormat(sample)
        if (format === 'parquet') {
          return {
            path,
            bytes,
            mime: 'application/vnd.apache.parquet',
            extension: 'parquet',
            text: false,
            tabular: format,
          }
        }
        if (format === undefined) {
          return {
            path,
            bytes,
            mime: 'application/octet-stream',
            extension: null,
            text: false,
            tabular: null,
          }
        }
        if (format === 'csv' && !looksDelimited(new TextDecoder().decode(sample))) {
          return { path, bytes, mime: 'text/plain', extension: 'txt', text: true, tabular: null }
        }
        return { path, bytes, mime: TEXT_MIME[format], extension: format, text: true, tabular: format }
      },
    },
  })

  const hash = defineTool({
    name: 'file_hash',
    category: 'file',
    description: 'Hash a file (streamed): sha256 by default, or sha512, sha1, md5, sha3-256, blake2b512',
    input: z.object({
      path: pathParam.describe('The file, under the file root (<data-dir>/files), relative to it'),
      algorithm: z
        .enum(HASHES)
        .default('sha256')
        .describe('sha256, sha512, sha1, md5, sha3-256 or blake2b512'),
    }),
    output: z.object({ path: z.string(), algorithm: z.string(), hex: z.string(), bytes: z.number().int() }),
    example: { path: 'uploads/video.mp4', algorithm: 'sha256' },
    annotations: { title: 'Hash a file', ...READS },
    handlers: {
      local: async ({ path, algorithm }, ctx) => {
        const absolute = existingFile(path, roots)
        const digest = createHash(algorithm)
        let bytes = 0
        for await (const chunk of createReadStream(absolute, { signal: ctx.signal })) {
          digest.update(chunk as Buffer)
          bytes += (chunk as Buffer).length
        }
        return { path, algorithm, hex: digest.digest('hex'), bytes }
      },
    },
  })

  const convert = defineTool({
    name: 'file_convert',
    category: 'file',
    description:
      'Convert a tabular file between CSV, JSON, JSON Lines and Parquet (written atomically beside it or to a given path)',
    input: z.object({
      path: pathParam.describe('The tabular file, under the file root (<data-dir>/files), relative to it'),
      to: z.enum(DATA_FORMATS).describe('csv, json, jsonl or parquet'),
      from: z.enum(DATA_FORMATS).optional().describe('Default: from the name or the bytes'),
      output: pathParam
        .optional()
        .describe('Where to write, under the file root (default: the same name with the new extension)'),
      overwrite: z.boolean().default(false).describe('Replace an existing output file'),
    }),
    output: z.object({
      path: z.string(),
      format: z.string(),
      rows: z.number().int(),
      bytes: z.number().int(),
    }),
    example: { path: 'sales.csv', to: 'parquet' },
    annotations: { title: 'Convert a tabular file', ...WRITES },
    handlers: {
      local: async (input, ctx) => {
        existingFile(input.path, roots)
        const output = input.output ?? input.path.replace(/(\.[A-Za-z0-9]+)?$/, `.${input.to}`)
        if (output === input.path) {
          throw new McppError('INVALID_PARAMS', 'output: the output would overwrite the input', {
            problems: [{ param: 'output', problem: 'same as path' }],
          })
        }
        if (!input.overwrite && existsSync(confinePath(output, roots, 'output'))) {
          throw new McppError('CONFLICT', `output: "${output}" exists (pass overwrite: true to replace it)`)
        }
        return datasets.withSource(
          { path: input.path, format: input.from ?? formatFromPath(input.path) },
          async (reader) => {
            const query = `SELECT * FROM ${reader}`
            const written = await datasets.write(query, { path: output, format: input.to }, ctx)
            const { rows } = await datasets.engine.read(`SELECT count(*) AS n FROM ${reader}`, [], ctx)
            return { path: output, format: input.to, rows: Number(rows[0]?.n), bytes: written.bytes }
          },
          ctx,
        )
      },
    },
  })

  const list = defineTool({
    name: 'file_list',
    category: 'file',
    description:
      'List files under a folder of the data roots (recursively), with sizes; symbolic links are neither followed nor listed',
    input: z.object({
      dir: pathParam
        .default('.')
        .describe('A folder under the file root (<data-dir>/files), relative to it; . is the root itself'),
      recursive: z.boolean().default(true).describe('Include files in subfolders'),
      limit: z.number().int().min(1).max(10_000).default(1_000).describe('Files listed at most'),
    }),
    output: z.object({
      files: z.array(z.object({ path: z.string(), bytes: z.number().int() })),
      truncated: z.boolean(),
    }),
    example: { dir: 'uploads' },
    annotations: { title: 'List files', ...READS },
    handlers: {
      local: async ({ dir, recursive, limit }, ctx) => {
        const absolute = existingFolder(dir, roots)
        const root = roots[0] as string
        // walkTree never follows links, by design rather than by Node's readdir defaults.
        const files: string[] = []
        let truncated = false
        for await (const entry of walkTree(absolute, { recursive, signal: ctx.signal })) {
          if (entry.kind !== 'file' || /\.partial(\.[^.]*)?$/.test(entry.path)) continue
          if (files.length === limit) {
            truncated = true
            break
          }
          files.push(entry.path)
        }
        files.sort()
        // A file removed since the walk saw it is left out rather than failing the listing.
        const sized = files.flatMap((f) => {
          const stat = lstatSync(f, { throwIfNoEntry: false })
          return stat ? [{ path: relative(root, f), bytes: stat.size }] : []
        })
        return { files: sized, truncated }
      },
    },
  })

  return { info: FILE_CATEGORY, tools: [detect, hash, convert, list] }
}
