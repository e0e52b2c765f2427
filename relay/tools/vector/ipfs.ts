import { randomUUID } from 'node:crypto'
import { mkdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { z } from 'zod'
import { McppError } from '../../../shared/errors.ts'
import { defineTool } from '../../../shared/tool/define-tool.ts'
import type { VectorThread } from '../../vectors/vector-thread.ts'
import { addDirectory, catToFile } from '../ipfs/content-io.ts'
import type { IpfsDeps } from '../ipfs/ipfs-deps.ts'
import { RENAMED_INDEX } from '../store-name.ts'
import { indexName, indexStats, WRITES } from './schemas.ts'

/** A scratch folder removed afterwards, whatever happens. */
async function withScratch<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = join(tmpdir(), `mcpp-vectors-${randomUUID()}`)
  await mkdir(dir, { recursive: true })
  try {
    return await fn(dir)
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

/** The files move through IPFS here; the vector thread copies and loads them. */
export function vectorIpfsTools(store: VectorThread, ipfs: IpfsDeps) {
  const save = defineTool({
    name: 'vector_save_ipfs',
    category: 'vector',
    description: 'Save a vector index (graph, ids and metadata) to IPFS as a directory; returns its CID',
    input: z.object({ name: indexName }),
    output: z.object({ cid: z.string(), count: z.number().int() }),
    example: { name: 'docs' },
    renamed: RENAMED_INDEX,
    annotations: { title: 'Save an index to IPFS', ...WRITES, idempotentHint: true },
    handlers: {
      local: async ({ name }, ctx) =>
        withScratch(async (dir) => {
          // On the vector thread, whose tasks run in order: no change lands between the copies.
          const count = await store.run<number>('copyTo', { name, dir }, ctx.signal)
          return { cid: await addDirectory(ipfs, dir, { signal: ctx.signal }), count }
        }),
    },
  })

  const load = defineTool({
    name: 'vector_load_ipfs',
    category: 'vector',
    description: 'Load a vector index saved by vector_save_ipfs from its CID, under a name',
    input: z.object({
      cid: z.string().min(1).max(512).describe('The CID vector_save_ipfs returned'),
      name: indexName.describe('Name of the loaded index'),
      replace: z.boolean().default(false).describe('Replace an index of the same name'),
    }),
    output: indexStats,
    example: { cid: 'bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi', name: 'docs_copy' },
    annotations: { title: 'Load an index from IPFS', ...WRITES, idempotentHint: true },
    handlers: {
      local: async ({ cid, name, replace }, ctx) => {
        if (store.exists(name) && !replace) {
          throw new McppError(
            'CONFLICT',
            `vector index "${name}" exists (pass replace: true to overwrite it)`,
          )
        }
        return withScratch(async (dir) => {
          const base = join(dir, 'index')
          await catToFile(ipfs, cid, `${base}.json`, { signal: ctx.signal, path: 'index.json' })
          try {
            await catToFile(ipfs, cid, `${base}.hnsw`, { signal: ctx.signal, path: 'index.hnsw' })
          } catch (err) {
            // An empty index has no graph file.
            if (!(err instanceof McppError && err.code === 'NOT_FOUND')) throw err
          }
          return store.run('adopt', { name, base, cid }, ctx.signal)
        })
      },
    },
  })

  return [save, load]
}
