import { z } from 'zod'
import { defineTool } from '../../../shared/tool/define-tool.ts'
import { fsOf, type IpfsDeps, OFFLINE, parseCid } from './ipfs-deps.ts'
import { contentError, scoped } from './ipfs-errors.ts'
import { MAX_CAT_BYTES } from './limits.ts'

const READ = { readOnlyHint: true, idempotentHint: true, openWorldHint: false } as const
const cid = z.string().min(1).max(256).describe('Content identifier')

export function ipfsReadTools(deps: IpfsDeps) {
  const cat = defineTool({
    name: 'ipfs_cat',
    category: 'ipfs',
    description:
      'Read the content (bytes) of a UnixFS file or raw block by CID, as UTF-8 text or base64, with offset and length',
    input: z.object({
      cid,
      offset: z.number().int().min(0).default(0).describe('Bytes skipped first'),
      length: z
        .number()
        .int()
        .min(1)
        .max(MAX_CAT_BYTES)
        .default(MAX_CAT_BYTES)
        .describe('Bytes to read at most'),
      encoding: z.enum(['utf8', 'base64']).default('utf8').describe('utf8 for text, base64 for any bytes'),
    }),
    output: z.object({ cid: z.string(), bytes: z.number().int(), encoding: z.string(), content: z.string() }),
    annotations: { title: 'Read a file by CID', ...READ },
    handlers: {
      local: async (input, ctx) => {
        const { fs } = await fsOf(deps)
        const root = parseCid(input.cid)
        const bytes = await scoped(ctx.signal, async (signal) => {
          const chunks: Buffer[] = []
          try {
            for await (const chunk of fs.cat(root, {
              ...OFFLINE,
              offset: input.offset,
              length: input.length,
              signal,
            })) {
              chunks.push(Buffer.from(chunk))
            }
          } catch (err) {
            throw contentError(input.cid, err, ctx.signal)
          }
          return Buffer.concat(chunks)
        })
        return {
          cid: input.cid,
          bytes: bytes.length,
          encoding: input.encoding,
          content: bytes.toString(input.encoding),
        }
      },
    },
  })

  const ls = defineTool({
    name: 'ipfs_ls',
    category: 'ipfs',
    description:
      'List the entries (files and subdirectories) of a UnixFS directory by CID: name, CID, type and size',
    input: z.object({
      cid,
      limit: z.number().int().min(1).max(10_000).default(1_000).describe('Entries to list at most'),
    }),
    output: z.object({
      cid: z.string(),
      entries: z.array(z.object({ name: z.string(), cid: z.string(), type: z.string(), size: z.number() })),
      truncated: z.boolean(),
    }),
    annotations: { title: 'List a directory by CID', ...READ },
    handlers: {
      local: async (input, ctx) => {
        const { fs } = await fsOf(deps)
        const root = parseCid(input.cid)
        return scoped(ctx.signal, async (signal) => {
          const entries: Array<{ name: string; cid: string; type: string; size: number }> = []
          let truncated = false
          try {
            for await (const entry of fs.ls(root, { ...OFFLINE, signal })) {
              if (entries.length === input.limit) {
                truncated = true
                break
              }
              const stat = await fs.stat(entry.cid, { ...OFFLINE, signal }).catch((err: unknown) => {
                throw contentError(`${input.cid}/${entry.name}`, err, ctx.signal)
              })
              entries.push({
                name: entry.name,
                cid: entry.cid.toString(),
                // Small files are stored as single raw leaves; in a directory they are files.
                type: stat.type === 'raw' ? 'file' : stat.type,
                size: Number(stat.size),
              })
            }
          } catch (err) {
            throw contentError(input.cid, err, ctx.signal)
          }
          return { cid: input.cid, entries, truncated }
        })
      },
    },
  })

  const stat = defineTool({
    name: 'ipfs_stat',
    category: 'ipfs',
    description: 'Type (file, directory, raw) and size of content by CID',
    input: z.object({ cid }),
    output: z.object({ cid: z.string(), type: z.string(), size: z.number() }),
    annotations: { title: 'Stat content by CID', ...READ },
    handlers: {
      local: async (input, ctx) => {
        const { fs } = await fsOf(deps)
        const root = parseCid(input.cid)
        try {
          const s = await fs.stat(root, { ...OFFLINE, signal: ctx.signal })
          return { cid: input.cid, type: s.type, size: Number(s.size) }
        } catch (err) {
          throw contentError(input.cid, err, ctx.signal)
        }
      },
    },
  })

  return [cat, ls, stat]
}
