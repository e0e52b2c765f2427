import { createReadStream } from 'node:fs'
import { open } from 'node:fs/promises'
import { z } from 'zod'
import { McppError } from '../../../shared/errors.ts'
import { defineTool } from '../../../shared/tool/define-tool.ts'
import { writeAtomically } from '../../files/atomic-write.ts'
import { confinePath } from '../../files/confine-path.ts'
import { existingFile } from '../../files/existing-path.ts'
import { pathParam } from '../../files/path-param.ts'
import { carStream } from './car-stream.ts'
import { type IpfsDeps, parseCid, STORES } from './ipfs-deps.ts'
import { contentError, scoped } from './ipfs-errors.ts'
import { MAX_DAG_BLOCKS, MAX_INLINE_CAR } from './limits.ts'
import { pinDag } from './pin-dag.ts'
import { putVerified } from './put-verified.ts'

const cid = z.string().min(1).max(256).describe('Content identifier')
const base64 = z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/, 'not base64')

export function ipfsCarTools(deps: IpfsDeps) {
  const exportCar = defineTool({
    name: 'ipfs_convert_to_car',
    category: 'ipfs',
    description: `Export the DAG under a CID (every block must be on this relay; at most ${MAX_DAG_BLOCKS} blocks) as a CAR file: to a path under the data roots, or inline as base64 (≤ 4 MiB)`,
    input: z.object({
      cid,
      path: pathParam
        .optional()
        .describe('Write the CAR to this file under the file root instead of returning it'),
    }),
    output: z.object({
      roots: z.array(z.string()),
      bytes: z.number().int(),
      path: z.string().optional(),
      base64: z.string().optional(),
    }),
    annotations: { title: 'Export a CAR', ...STORES },
    handlers: {
      local: async (input, ctx) => {
        const target = input.path === undefined ? undefined : confinePath(input.path, deps.roots)
        const root = parseCid(input.cid)
        const helia = await deps.helia()
        return scoped(ctx.signal, async (signal) => {
          try {
            if (target !== undefined) {
              let bytes = 0
              await writeAtomically(target, async (tmp) => {
                const file = await open(tmp, 'w')
                try {
                  for await (const chunk of carStream(helia, root, { signal })) {
                    await file.write(chunk)
                    bytes += chunk.length
                  }
                } finally {
                  await file.close()
                }
              })
              return { roots: [input.cid], bytes, path: target }
            }
            const chunks: Uint8Array[] = []
            let bytes = 0
            for await (const chunk of carStream(helia, root, { signal })) {
              bytes += chunk.length
              if (bytes > MAX_INLINE_CAR) {
                throw new McppError(
                  'INVALID_PARAMS',
                  'path: the CAR is over 4 MiB; give a path to write it',
                  { problems: [{ param: 'path', problem: 'required for CARs over 4 MiB' }] },
                )
              }
              chunks.push(chunk)
            }
            return { roots: [input.cid], bytes, base64: Buffer.concat(chunks).toString('base64') }
          } catch (err) {
            throw contentError(input.cid, err, ctx.signal)
          }
        })
      },
    },
  })

  const importCar = defineTool({
    name: 'ipfs_import_car',
    category: 'ipfs',
    description: `Import a CAR file (from a path under the data roots or base64) into the blockstore, checking every block against its CID (blocks ≤ 4 MiB), and pin its roots; a root whose DAG the CAR does not complete is an error`,
    input: z
      .object({
        path: pathParam
          .optional()
          .describe('A CAR file under the file root (<data-dir>/files), relative to it'),
        base64: base64.optional().describe('The CAR bytes, base64'),
        pin: z.boolean().default(true).describe("Pin the CAR's roots"),
      })
      .superRefine((v, c) => {
        if ((v.path === undefined) === (v.base64 === undefined)) {
          c.addIssue({ code: 'custom', path: ['path'], message: 'give exactly one of path, base64' })
        }
      }),
    output: z.object({ roots: z.array(z.string()), blocks: z.number().int() }),
    example: { path: 'exports/site.car' },
    annotations: { title: 'Import a CAR', ...STORES },
    handlers: {
      local: async (input, ctx) => {
        const param = input.path !== undefined ? 'path' : 'base64'
        const { CarBlockIterator } = await import('@ipld/car/iterator')
        let source: AsyncIterable<Uint8Array> | Uint8Array
        if (input.path !== undefined) {
          const path = existingFile(input.path, deps.roots)
          source = createReadStream(path, { signal: ctx.signal })
        } else {
          source = Buffer.from(input.base64 as string, 'base64')
        }
        const notCar = (err: unknown) =>
          new McppError('BAD_DATA', `${param}: not a CAR file: ${(err as Error).message}`, {
            problems: [{ param, problem: 'not a CAR file' }],
          })
        let blocks: Awaited<ReturnType<typeof CarBlockIterator.fromIterable>>
        try {
          blocks =
            source instanceof Uint8Array
              ? await CarBlockIterator.fromBytes(source)
              : await CarBlockIterator.fromIterable(source)
        } catch (err) {
          throw notCar(err)
        }
        const helia = await deps.helia()
        let count = 0
        try {
          for await (const block of blocks) {
            await putVerified(helia, block, ctx.signal)
            count++
          }
        } catch (err) {
          if (err instanceof McppError || ctx.signal.aborted) throw err
          throw notCar(err)
        }
        const roots = await blocks.getRoots()
        if (input.pin) {
          for (const root of roots) {
            try {
              await pinDag(helia, root, ctx.signal)
            } catch (err) {
              if (!(err instanceof McppError) || err.code !== 'NOT_FOUND') throw err
              throw new McppError(
                'BAD_DATA',
                `${param}: the CAR does not hold the whole DAG under its root ${root} (${err.message}); its ${count} blocks were stored, unpinned`,
                { roots: roots.map(String), blocks: count, ...err.details },
              )
            }
          }
        }
        return { roots: roots.map((r) => r.toString()), blocks: count }
      },
    },
  })

  return [exportCar, importCar]
}
