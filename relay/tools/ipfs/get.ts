import { existsSync } from 'node:fs'
import { mkdir, open } from 'node:fs/promises'
import { join } from 'node:path'
import type { UnixFS } from '@helia/unixfs'
import type { CID } from 'multiformats/cid'
import { z } from 'zod'
import { McppError } from '../../../shared/errors.ts'
import { defineTool } from '../../../shared/tool/define-tool.ts'
import { writeAtomically } from '../../files/atomic-write.ts'
import { confinePath, MAX_NAME_BYTES } from '../../files/confine-path.ts'
import { pathParam } from '../../files/path-param.ts'
import { fsOf, type IpfsDeps, OFFLINE, parseCid } from './ipfs-deps.ts'
import { contentError, scoped } from './ipfs-errors.ts'
import { MAX_SAVE_BYTES, MAX_SAVE_DEPTH, MAX_SAVE_ENTRIES } from './limits.ts'

/** What one save may still write; a DAG may link one child many times, so sizes add up fast. */
interface Budget {
  bytes: number
  entries: number
  skipped: string[]
  signal: AbortSignal
}

function overBudget(cid: string, what: string): McppError {
  return new McppError(
    'INVALID_PARAMS',
    `cid: ${cid} is larger than this relay saves in one call (${what}; at most ${MAX_SAVE_BYTES} bytes, ${MAX_SAVE_ENTRIES} files and folders, ${MAX_SAVE_DEPTH} levels)`,
    { problems: [{ param: 'cid', problem: 'too large to save' }] },
  )
}

/** Streams a UnixFS file to `path`, never more than the file declares nor than the budget allows. */
export async function writeFileTo(fs: UnixFS, cid: CID, path: string, declared: number, budget: Budget) {
  if (declared > budget.bytes) throw overBudget(cid.toString(), `a file of ${declared} bytes`)
  const file = await open(path, 'wx')
  let written = 0
  try {
    for await (const chunk of fs.cat(cid, { ...OFFLINE, signal: budget.signal })) {
      written += chunk.byteLength
      if (written > budget.bytes) throw overBudget(cid.toString(), 'its files')
      await file.write(chunk)
    }
  } finally {
    await file.close()
  }
  budget.bytes -= written
  return written
}

/** Writes a UnixFS file or directory tree at `path`; returns bytes and files written. */
async function exportTo(fs: UnixFS, cid: CID, path: string, rel: string, depth: number, budget: Budget) {
  budget.signal.throwIfAborted()
  if (--budget.entries < 0) throw overBudget(cid.toString(), 'too many entries')
  const stat = await fs.stat(cid, { ...OFFLINE, signal: budget.signal })
  // The exporter calls a UnixFS symlink an empty file; its UnixFS data says what it is.
  if (stat.unixfs?.type === 'symlink') {
    if (rel === '')
      throw new McppError('BAD_DATA', `cid: ${cid} is a symbolic link, which ipfs_get does not write`)
    // Writing a link stored in the DAG could point anywhere; it is reported instead.
    budget.skipped.push(rel)
    return { bytes: 0, files: 0 }
  }
  if (stat.type !== 'directory') {
    return { bytes: await writeFileTo(fs, cid, path, Number(stat.size), budget), files: 1 }
  }
  if (depth >= MAX_SAVE_DEPTH) throw overBudget(cid.toString(), 'folders nested too deeply')
  await mkdir(path)
  let bytes = 0
  let files = 0
  const names = new Set<string>()
  for await (const entry of fs.ls(cid, { ...OFFLINE, signal: budget.signal })) {
    const name = entry.name
    if (
      names.has(name) ||
      name === '' ||
      name === '.' ||
      name === '..' ||
      /[/\0]/.test(name) ||
      Buffer.byteLength(name) > MAX_NAME_BYTES
    ) {
      throw new McppError(
        'BAD_DATA',
        `cid: the directory has an unsafe or repeated entry name ${JSON.stringify(name)}`,
      )
    }
    names.add(name)
    const sub = await exportTo(
      fs,
      entry.cid,
      join(path, name),
      rel === '' ? name : `${rel}/${name}`,
      depth + 1,
      budget,
    )
    bytes += sub.bytes
    files += sub.files
  }
  return { bytes, files }
}

export function ipfsGetTool(deps: IpfsDeps) {
  return defineTool({
    name: 'ipfs_get',
    category: 'ipfs',
    description: `Save a UnixFS file or directory by CID to disk, at a path under the data roots (written atomically; at most ${MAX_SAVE_BYTES / 2 ** 30} GiB and ${MAX_SAVE_ENTRIES} entries; symbolic links in the DAG are skipped and listed)`,
    input: z.object({
      cid: z.string().min(1).max(256).describe('The file or directory to save'),
      path: pathParam.describe('Destination under the file root (<data-dir>/files), relative to it'),
      overwrite: z.boolean().default(false).describe('Replace what is at the destination'),
    }),
    output: z.object({
      cid: z.string(),
      path: z.string(),
      bytes: z.number().int(),
      files: z.number().int(),
      skippedSymlinks: z.array(z.string()),
    }),
    annotations: {
      title: 'Save content to a path',
      readOnlyHint: false,
      destructiveHint: true,
      idempotentHint: true,
      openWorldHint: false,
    },
    handlers: {
      local: async (input, ctx) => {
        const target = confinePath(input.path, deps.roots)
        if (existsSync(target) && !input.overwrite) {
          throw new McppError('CONFLICT', `path: "${input.path}" exists (pass overwrite: true to replace it)`)
        }
        const { fs } = await fsOf(deps)
        const cid = parseCid(input.cid)
        let written = { bytes: 0, files: 0 }
        const skipped: string[] = []
        await scoped(ctx.signal, async (signal) => {
          const budget = { bytes: MAX_SAVE_BYTES, entries: MAX_SAVE_ENTRIES, skipped, signal }
          try {
            await writeAtomically(target, async (tmp) => {
              written = await exportTo(fs, cid, tmp, '', 0, budget)
            })
          } catch (err) {
            throw contentError(input.cid, err, ctx.signal)
          }
        })
        return { cid: input.cid, path: target, ...written, skippedSymlinks: skipped }
      },
    },
  })
}
