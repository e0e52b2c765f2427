import { readFile } from 'node:fs/promises'
import type { CarReader } from '@ipld/car'
import { z } from 'zod'
import { McppError } from '../../../shared/errors.ts'
import { defineTool } from '../../../shared/tool/define-tool.ts'
import { writeFileAtomically } from '../../files/atomic-write.ts'
import { confinePath } from '../../files/confine-path.ts'
import { type IpfsDeps, notFound, OFFLINE, parseCid, READS, STORES } from './ipfs-deps.ts'

const MAX_INLINE_CAR = 4 * 1024 * 1024
const cid = z.string().min(1).max(256).describe('Content identifier')
const base64 = z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/, 'not base64')

/** The IPLD libraries, imported on first use (see fsOf). */
async function ipld() {
  const [{ car }, { dagCbor }, { dagJson }, { CarReader }, dagJsonCodec] = await Promise.all([
    import('@helia/car'),
    import('@helia/dag-cbor'),
    import('@helia/dag-json'),
    import('@ipld/car'),
    import('@ipld/dag-json'),
  ])
  return {
    car,
    dagCbor,
    dagJson,
    CarReader,
    dagJsonCodec,
    /** A decoded IPLD value as plain JSON (links as {"/": cid}, bytes as {"/": {"bytes": …}}). */
    toJson: (value: unknown): unknown => JSON.parse(new TextDecoder().decode(dagJsonCodec.encode(value))),
  }
}

export function ipfsCarDagTools(deps: IpfsDeps) {
  const exportCar = defineTool({
    name: 'ipfs_convert_to_car',
    category: 'ipfs',
    description:
      'Export the DAG under a CID as a CAR file: to a path under the data roots, or inline as base64 (≤ 4 MiB)',
    input: z.object({
      cid,
      path: z.string().optional().describe('Write the CAR here instead of returning it'),
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
        const { car } = await ipld()
        const helia = await deps.helia()
        const chunks: Uint8Array[] = []
        try {
          for await (const chunk of car(helia).export(parseCid(input.cid), {
            ...OFFLINE,
            signal: ctx.signal,
          })) {
            chunks.push(chunk)
          }
        } catch (err) {
          if (err instanceof McppError) throw err
          throw notFound(input.cid, err)
        }
        const bytes = Buffer.concat(chunks)
        if (target !== undefined) {
          await writeFileAtomically(target, bytes)
          return { roots: [input.cid], bytes: bytes.length, path: target }
        }
        if (bytes.length > MAX_INLINE_CAR) {
          throw new McppError(
            'INVALID_PARAMS',
            `path: the CAR is ${bytes.length} bytes; give a path to write it`,
            {
              problems: [{ param: 'path', problem: 'required for CARs over 4 MiB' }],
            },
          )
        }
        return { roots: [input.cid], bytes: bytes.length, base64: bytes.toString('base64') }
      },
    },
  })

  const importCar = defineTool({
    name: 'ipfs_import_car',
    category: 'ipfs',
    description:
      'Import a CAR file (from a path under the data roots or base64) into the blockstore and pin its roots',
    input: z
      .object({ path: z.string().optional(), base64: base64.optional(), pin: z.boolean().default(true) })
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
        const bytes =
          input.path !== undefined
            ? await readFile(confinePath(input.path, deps.roots)).catch(() => {
                throw new McppError('NOT_FOUND', `path: "${input.path}" cannot be read`)
              })
            : Buffer.from(input.base64 as string, 'base64')
        const { car, CarReader } = await ipld()
        let reader: CarReader
        try {
          reader = await CarReader.fromBytes(bytes)
        } catch (err) {
          throw new McppError('INVALID_PARAMS', `not a CAR file: ${(err as Error).message}`, {
            problems: [{ param: input.path !== undefined ? 'path' : 'base64', problem: 'not a CAR file' }],
          })
        }
        const helia = await deps.helia()
        let blocks = 0
        for await (const _ of reader.blocks()) blocks++
        await car(helia).import(reader, { signal: ctx.signal })
        const roots = await reader.getRoots()
        if (input.pin) {
          for (const root of roots) {
            if (!(await helia.pins.isPinned(root)))
              for await (const _ of helia.pins.add(root, { signal: ctx.signal })) void _
          }
        }
        return { roots: roots.map((r) => r.toString()), blocks }
      },
    },
  })

  const put = defineTool({
    name: 'ipfs_dag_put',
    category: 'ipfs',
    description:
      'Store a JSON value as an IPLD node (DAG-JSON or DAG-CBOR); {"/": "<cid>"} objects become links',
    input: z.object({ value: z.unknown(), codec: z.enum(['dag-json', 'dag-cbor']).default('dag-cbor') }),
    output: z.object({ cid: z.string(), codec: z.string() }),
    annotations: { title: 'Put an IPLD node', ...STORES },
    handlers: {
      local: async (input, ctx) => {
        const { dagCbor, dagJson, dagJsonCodec } = await ipld()
        const helia = await deps.helia()
        let node: unknown
        try {
          node = dagJsonCodec.decode(new TextEncoder().encode(JSON.stringify(input.value ?? null)))
        } catch (err) {
          throw new McppError('INVALID_PARAMS', `value: not valid DAG-JSON: ${(err as Error).message}`, {
            problems: [{ param: 'value', problem: 'not valid DAG-JSON' }],
          })
        }
        const codec = input.codec === 'dag-json' ? dagJson(helia) : dagCbor(helia)
        const cid = await codec.add(node, { signal: ctx.signal })
        return { cid: cid.toString(), codec: input.codec }
      },
    },
  })

  const get = defineTool({
    name: 'ipfs_dag_get',
    category: 'ipfs',
    description: 'Read an IPLD node (DAG-JSON or DAG-CBOR) by CID as JSON, links as {"/": "<cid>"}',
    input: z.object({ cid }),
    output: z.object({ cid: z.string(), codec: z.string(), value: z.unknown() }),
    annotations: { title: 'Get an IPLD node', ...READS },
    handlers: {
      local: async (input, ctx) => {
        const { dagCbor, dagJson, toJson } = await ipld()
        const helia = await deps.helia()
        const root = parseCid(input.cid)
        const codecs: Record<number, { name: string; get: (c: typeof root) => Promise<unknown> }> = {
          297: { name: 'dag-json', get: (c) => dagJson(helia).get(c, { ...OFFLINE, signal: ctx.signal }) },
          113: { name: 'dag-cbor', get: (c) => dagCbor(helia).get(c, { ...OFFLINE, signal: ctx.signal }) },
        }
        const codec = codecs[root.code]
        if (!codec) {
          throw new McppError(
            'INVALID_PARAMS',
            `cid: codec 0x${root.code.toString(16)} is not DAG-JSON or DAG-CBOR`,
            {
              problems: [{ param: 'cid', problem: 'not a DAG-JSON or DAG-CBOR CID' }],
            },
          )
        }
        try {
          return { cid: input.cid, codec: codec.name, value: toJson(await codec.get(root)) }
        } catch (err) {
          throw notFound(input.cid, err)
        }
      },
    },
  })

  return [exportCar, importCar, put, get]
}
