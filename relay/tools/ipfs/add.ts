import { createReadStream, statSync } from 'node:fs'
import type { UnixFS } from '@helia/unixfs'
import type { CID } from 'multiformats/cid'
import { z } from 'zod'
import { McppError } from '../../../shared/errors.ts'
import { defineTool } from '../../../shared/tool/define-tool.ts'
import { confinePath } from '../../files/confine-path.ts'
import { fsOf, type IpfsDeps, STORES } from './ipfs-deps.ts'

export function ipfsAddTools(deps: IpfsDeps) {
  const add = defineTool({
    name: 'ipfs_add',
    category: 'ipfs',
    description:
      'Add content to IPFS (UnixFS) on this relay: UTF-8 text, base64 bytes, or a file or directory under the data roots; pins it',
    input: z
      .object({
        text: z.string().optional().describe('Text to add as a file'),
        base64: z.string().optional().describe('Bytes to add as a file, base64'),
        path: z.string().optional().describe('A file or directory under the data roots'),
        pin: z.boolean().default(true),
      })
      .superRefine((v, ctx) => {
        const given = [v.text, v.base64, v.path].filter((x) => x !== undefined).length
        if (given !== 1)
          ctx.addIssue({ code: 'custom', path: ['text'], message: 'give exactly one of text, base64, path' })
      }),
    output: z.object({
      cid: z.string(),
      size: z.number(),
      type: z.enum(['file', 'directory']),
      pinned: z.boolean(),
    }),
    example: { path: 'reports/q3.pdf' },
    annotations: { title: 'Add to IPFS', ...STORES },
    handlers: {
      local: async (input, ctx) => {
        const { helia, fs } = await fsOf(deps)
        let cid: CID | undefined
        let type: 'file' | 'directory' = 'file'
        if (input.path !== undefined) {
          const path = confinePath(input.path, deps.roots)
          let isDir: boolean
          try {
            isDir = statSync(path).isDirectory()
          } catch {
            throw new McppError('NOT_FOUND', `path: "${input.path}" does not exist`)
          }
          if (isDir) {
            type = 'directory'
            // globSource's candidates are right at runtime; its types trip exactOptionalPropertyTypes.
            const { globSource } = await import('@helia/unixfs')
            const source = globSource(path, '**/*', { hidden: true }) as unknown as Parameters<
              UnixFS['addAll']
            >[0]
            for await (const entry of fs.addAll(source, {
              wrapWithDirectory: true,
              signal: ctx.signal,
            })) {
              if (entry.path === '') cid = entry.cid
            }
          } else {
            // A file's own CID (no wrapping directory), as `ipfs add` gives, streamed.
            cid = await fs.addByteStream(createReadStream(path), { signal: ctx.signal })
          }
        } else {
          const bytes =
            input.text !== undefined
              ? Buffer.from(input.text, 'utf8')
              : Buffer.from(input.base64 as string, 'base64')
          cid = await fs.addBytes(bytes, { signal: ctx.signal })
        }
        if (cid === undefined) throw new McppError('INTERNAL', 'the importer returned no root')
        if (input.pin && !(await helia.pins.isPinned(cid))) {
          for await (const _ of helia.pins.add(cid, { signal: ctx.signal })) {
            // pinning walks the DAG; nothing to do per block
          }
        }
        const stat = await fs.stat(cid, { offline: true })
        return { cid: cid.toString(), size: Number(stat.size), type, pinned: input.pin }
      },
    },
  })
  return [add]
}
