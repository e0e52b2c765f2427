import { createHash } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { copyFile } from 'node:fs/promises'
import { basename } from 'node:path'
import { z } from 'zod'
import { defineTool } from '../../shared/tool/define-tool.ts'
import type { Tool } from '../../shared/tool/types.ts'
import { writeAtomically, writeFileAtomically } from '../files/atomic-write.ts'
import { confinePath } from '../files/confine-path.ts'
import { pathParam } from '../files/path-param.ts'
import type { ToolDeps } from './tool-deps.ts'

const sealedSegment = z.object({
  number: z.number().int(),
  firstSeq: z.number().int(),
  lastSeq: z.number().int(),
  entries: z.number().int(),
  anchor: z.string(),
  head: z.string(),
  bytes: z.number().int(),
  sealedAt: z.number(),
  exportedAt: z.number().nullable(),
  exportedTo: z.string().nullable(),
  sealing: z
    .literal(true)
    .optional()
    .describe('Present while the seal is being written to disk; it cannot be exported until then'),
})

/** A file's sha256, read in chunks so a 16 MiB segment does not hold the event loop. */
async function fileSha256(path: string): Promise<string> {
  const digest = createHash('sha256')
  for await (const chunk of createReadStream(path)) digest.update(chunk as Buffer)
  return digest.digest('hex')
}

/**
 * The audit log's segments (issue 16): list them, and export a sealed one so that the
 * removal policy may let it go. Exporting is what makes a segment removable, so it is
 * marked destructive: an access policy that keeps destructive tools to the operator
 * covers it (e.g. `deny: [audit_export_segment]` in the default rule).
 */
export function auditSegmentTools({
  audit: log,
  fileRoots: roots,
}: Pick<ToolDeps, 'audit' | 'fileRoots'>): Tool[] {
  const list = defineTool({
    name: 'audit_segments',
    category: 'audit',
    description:
      'The audit log segments on disk: the active one, each sealed one (seq range, anchor and head hashes, export state) and the anchor left by segments removed after their export',
    input: z.object({}),
    output: z.object({
      active: z.object({ number: z.number().int(), firstSeq: z.number().int(), anchor: z.string() }),
      sealed: z.array(sealedSegment),
      removed: z
        .object({
          throughSegment: z.number().int(),
          lastSeq: z.number().int(),
          head: z.string(),
          count: z.number().int(),
          removedAt: z.number(),
        })
        .nullable(),
    }),
    annotations: {
      title: 'List audit segments',
      readOnlyHint: true,
      idempotentHint: false,
      openWorldHint: false,
    },
    handlers: {
      local: async () => {
        const { active, sealed, removed } = log.manifest
        return { active, sealed: [...sealed], removed }
      },
    },
  })

  const exportSegment = defineTool({
    name: 'audit_export_segment',
    category: 'audit',
    description:
      'Copy a sealed audit segment (a SQLite file) and a JSON sidecar with its manifest entry (<path>.json) under the data roots, and mark it exported; exported segments are removed by the retention policy (audit.removeExportedAfterSeconds), unexported ones never',
    input: z.object({
      segment: z.number().int().min(1).describe('The sealed segment to export (audit_segments lists them)'),
      path: pathParam.describe(
        'File to write the copy to, under the file root (<data-dir>/files), relative to it',
      ),
    }),
    output: z.object({
      segment: sealedSegment,
      path: z.string(),
      sidecar: z.string(),
      sha256: z.string().describe("The copy's sha256, also in the sidecar"),
      removed: z
        .array(z.number().int())
        .describe('Segments the removal policy let go right after this export'),
    }),
    annotations: {
      title: 'Export an audit segment',
      readOnlyHint: false,
      destructiveHint: true,
      idempotentHint: true,
      openWorldHint: false,
    },
    handlers: {
      local: async ({ segment: number, path }) => {
        const target = confinePath(path, roots)
        const sidecar = confinePath(`${target}.json`, roots)
        // Under a read, so the segment cannot be removed while it is copied.
        const sha256 = await log.read(async () => {
          const sealed = log.sealedSegment(number)
          await writeAtomically(target, (tmp) => copyFile(log.pathOf(number), tmp))
          const digest = await fileSha256(target)
          const { exportedAt: _, exportedTo: __, ...entry } = sealed
          const note = { version: 1, file: basename(target), sha256: digest, segment: entry }
          await writeFileAtomically(sidecar, Buffer.from(`${JSON.stringify(note, null, 2)}\n`))
          return digest
        })
        // Marked only once both files are in place.
        const segment = log.markExported(number, target)
        const removed = log.removeByPolicy()
        return { segment, path: target, sidecar, sha256, removed }
      },
    },
  })

  return [list, exportSegment]
}
