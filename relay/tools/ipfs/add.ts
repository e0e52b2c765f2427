import { createReadStream } from 'node:fs'
import type { CID } from 'multiformats/cid'
import { z } from 'zod'
import { McppError } from '../../../shared/errors.ts'
import { defineTool } from '../../../shared/tool/define-tool.ts'
import { existingEntry } from '../../files/existing-path.ts'
import { pathParam } from '../../files/path-param.ts'
import { addTree } from './content-io.ts'
import { fsOf, type IpfsDeps, OFFLINE, STORES } from './ipfs-deps.ts'
import { pinDag } from './pin-dag.ts'

export function ipfsAddTools(deps: IpfsDeps) {
  const add = defineTool({
    name: 'ipfs_add',
    category: 'ipfs',
    description:
      'Add content to IPFS (UnixFS) on this relay: UTF-8 text, base64 bytes, or a file or directory under the data roots; pins it. Symbolic links inside a directory are not followed: they are left out and listed',
    input: z
      .object({
        text: z.string().optional().describe('Text to add as a file'),
        base64: z.string().optional().describe('Bytes to add as a file, base64'),
        path: pathParam
          .optional()
          .describe('A file or folder under the file root (<data-dir>/files), relative to it'),
        pin: z.boolean().default(true).describe('Pin it, so that garbage collection keeps it'),
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
      skippedSymlinks: z
        .array(z.string())
        .optional()
        .describe('Links inside an added directory that were left out'),
    }),
    example: { path: 'reports/q3.pdf' },
    annotations: { title: 'Add to IPFS', ...STORES },
    handlers: {
      local: async (input, ctx) => {
        const { helia, fs } = await fsOf(deps)
        let cid: CID
        let type: 'file' | 'directory' = 'file'
        let skippedSymlinks: string[] | undefined
        if (input.path !== undefined) {
          const { absolute: path, stats: stat } = existingEntry(input.path, deps.roots)
          if (stat.isDirectory()) {
            type = 'directory'
            ;({ cid, skippedSymlinks } = await addTree(deps, path, { signal: ctx.signal, pin: false }))
          } else if (stat.isFile()) {
            // A file's own CID (no wrapping directory), as `ipfs add` gives, streamed.
            cid = await fs.addByteStream(createReadStream(path), { signal: ctx.signal })
          } else {
            throw new McppError('INVALID_PARAMS', `path: "${input.path}" is not a file or a directory`, {
              problems: [{ param: 'path', problem: 'not a file or a directory' }],
            })
          }
        } else {
          const bytes =
            input.text !== undefined
              ? Buffer.from(input.text, 'utf8')
              : Buffer.from(input.base64 as string, 'base64')
          cid = await fs.addBytes(bytes, { signal: ctx.signal })
        }
        if (input.pin) await pinDag(helia, cid, ctx.signal)
        const stat = await fs.stat(cid, { ...OFFLINE, signal: ctx.signal })
        return {
          cid: cid.toString(),
          size: Number(stat.size),
          type,
          pinned: input.pin,
          ...(skippedSymlinks === undefined ? {} : { skippedSymlinks }),
        }
      },
    },
  })
  return [add]
}
