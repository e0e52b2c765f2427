import { existsSync } from 'node:fs'
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { UnixFS } from '@helia/unixfs'
import type { CID } from 'multiformats/cid'
import { z } from 'zod'
import { McppError } from '../../../shared/errors.ts'
import { defineTool } from '../../../shared/tool/define-tool.ts'
import { writeAtomically } from '../../files/atomic-write.ts'
import { confinePath } from '../../files/confine-path.ts'
import { fsOf, type IpfsDeps, notFound, OFFLINE, parseCid } from './ipfs-deps.ts'

async function readAll(fs: UnixFS, cid: CID, signal: AbortSignal): Promise<Uint8Array> {
  const chunks: Uint8Array[] = []
  for await (const chunk of fs.cat(cid, { ...OFFLINE, signal })) chunks.push(chunk)
  return Buffer.concat(chunks)
}

/** Writes a UnixFS file or directory tree at `path`; returns bytes and files written. */
async function exportTo(fs: UnixFS, cid: CID, path: string, signal: AbortSignal) {
  const stat = await fs.stat(cid, { ...OFFLINE, signal })
  if (stat.type !== 'directory') {
    const bytes = await readAll(fs, cid, signal)
    await writeFile(path, bytes)
    return { bytes: bytes.length, files: 1 }
  }
  await mkdir(path)
  let bytes = 0
  let files = 0
  for await (const entry of fs.ls(cid, { ...OFFLINE, signal })) {
    if (entry.name.includes('/') || entry.name === '..' || entry.name === '.') {
      throw new McppError('INVALID_PARAMS', `cid: the directory has an unsafe entry name "${entry.name}"`)
    }
    const sub = await exportTo(fs, entry.cid, join(path, entry.name), signal)
    bytes += sub.bytes
    files += sub.files
  }
  return { bytes, files }
}

export function ipfsGetTool(deps: IpfsDeps) {
  return defineTool({
    name: 'ipfs_get',
    category: 'ipfs',
    description: 'Save a UnixFS file or directory by CID to a path under the data roots (written atomically)',
    input: z.object({
      cid: z.string().min(1).max(256),
      path: z.string().min(1).describe('Destination under the data roots'),
      overwrite: z.boolean().default(false),
    }),
    output: z.object({ cid: z.string(), path: z.string(), bytes: z.number().int(), files: z.number().int() }),
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
        try {
          await writeAtomically(target, async (tmp) => {
            written = await exportTo(fs, cid, tmp, ctx.signal)
          })
        } catch (err) {
          if (err instanceof McppError) throw err
          if (/not found|offline/i.test((err as Error).message)) throw notFound(input.cid, err)
          throw err
        }
        return { cid: input.cid, path: target, ...written }
      },
    },
  })
}
