import {
  closeSync,
  existsSync,
  fsyncSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  writeSync,
} from 'node:fs'
import { dirname, join } from 'node:path'
import { z } from 'zod'
import { McppError } from '../../shared/errors.ts'
import { GENESIS } from './audit-entry.ts'

/**
 * The audit log's table of contents (`<data-dir>/audit/manifest.json`, issue 16): which
 * segments exist, where each sealed one starts and ends, the head hash each is anchored
 * to, and the head of the last removed segment, from which the remaining chain verifies.
 */
const hash = z.string().regex(/^[0-9a-f]{64}$/)
const seq = z.number().int().min(0)

const sealedSegment = z.strictObject({
  number: z.number().int().min(1),
  firstSeq: seq,
  lastSeq: seq,
  entries: z.number().int().min(0),
  /** The head of the previous segment (GENESIS for the first): this segment's first prevHash. */
  anchor: hash,
  /** The hash of this segment's last entry. */
  head: hash,
  bytes: z.number().int().min(0),
  sealedAt: z.number(),
  exportedAt: z.number().nullable(),
  exportedTo: z.string().nullable(),
  /** Present while the seal's disk steps run: the file is not final yet (segments.ts). */
  sealing: z.literal(true).optional(),
})

const manifestSchema = z.strictObject({
  version: z.literal(1),
  /** The segment being appended to. */
  active: z.strictObject({
    number: z.number().int().min(1),
    anchor: hash,
    firstSeq: z.number().int().min(1),
  }),
  /** Sealed segments still on disk, oldest first. */
  sealed: z.array(sealedSegment),
  /** The last segment removed by policy: the remaining chain starts from its head. */
  removed: z
    .strictObject({
      throughSegment: z.number().int().min(1),
      lastSeq: seq,
      head: hash,
      count: z.number().int().min(1),
      removedAt: z.number(),
    })
    .nullable(),
})

export type SealedSegment = z.infer<typeof sealedSegment>
export type Manifest = z.infer<typeof manifestSchema>

export const MANIFEST_FILE = 'manifest.json'

export const emptyManifest = (): Manifest => ({
  version: 1,
  active: { number: 1, anchor: GENESIS, firstSeq: 1 },
  sealed: [],
  removed: null,
})

/** `segment-000001.db`: names sort in chain order. */
export const segmentFile = (number: number): string => `segment-${String(number).padStart(6, '0')}.db`

export function readManifest(dir: string): Manifest | undefined {
  const path = join(dir, MANIFEST_FILE)
  if (!existsSync(path)) return undefined
  let parsed: unknown
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'))
  } catch (err) {
    throw new McppError('BAD_DATA', `the audit manifest ${path} is not JSON: ${(err as Error).message}`)
  }
  const result = manifestSchema.safeParse(parsed)
  if (!result.success) {
    throw new McppError('BAD_DATA', `the audit manifest ${path} is not valid: ${result.error.message}`)
  }
  return result.data
}

/**
 * Writes the manifest durably: a temporary file, fsync, rename, fsync of the folder.
 * This runs in the synchronous flush path, where relay/files/atomic-write.ts (async,
 * no fsync) does not fit; `write-file-atomic` (its sync variant would do) is not a
 * dependency of the project.
 */
export function writeManifest(dir: string, manifest: Manifest): void {
  const target = join(dir, MANIFEST_FILE)
  const tmp = `${target}.partial`
  try {
    const fd = openSync(tmp, 'w', 0o644)
    try {
      writeSync(fd, `${JSON.stringify(manifest, null, 2)}\n`)
      fsyncSync(fd)
    } finally {
      closeSync(fd)
    }
    renameSync(tmp, target)
  } catch (err) {
    try {
      rmSync(tmp, { force: true })
    } catch {
      // The write's own error is the one to report.
    }
    throw err
  }
  const folder = openSync(dirname(target), 'r')
  try {
    fsyncSync(folder)
  } finally {
    closeSync(folder)
  }
}
