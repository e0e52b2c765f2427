import { z } from 'zod'
import { McppError } from '../../../shared/errors.ts'
import { defineTool } from '../../../shared/tool/define-tool.ts'
import { freeValue } from '../../../shared/tool/free-form.ts'
import { type IpfsDeps, OFFLINE, parseCid, READS, STORES } from './ipfs-deps.ts'
import { contentError } from './ipfs-errors.ts'
import { MAX_BLOCK_BYTES } from './limits.ts'

const cid = z.string().min(1).max(256).describe('Content identifier')

/** The IPLD libraries, imported on first use (see fsOf). */
async function ipld() {
  const [{ dagCbor }, { dagJson }, dagJsonCodec, dagCborCodec] = await Promise.all([
    import('@helia/dag-cbor'),
    import('@helia/dag-json'),
    import('@ipld/dag-json'),
    import('@ipld/dag-cbor'),
  ])
  return { dagCbor, dagJson, dagJsonCodec, dagCborCodec }
}

export function ipfsDagTools(deps: IpfsDeps) {
  const put = defineTool({
    name: 'ipfs_dag_put',
    category: 'ipfs',
    description:
      'Store a JSON value as an IPLD node (DAG-JSON or DAG-CBOR, ≤ 4 MiB encoded); {"/": "<cid>"} objects become links',
    input: z.object({
      value: freeValue(z.unknown(), 'Any JSON value (free-form); {"/": "<cid>"} objects become links'),
      codec: z.enum(['dag-json', 'dag-cbor']).default('dag-cbor').describe('How the node is encoded'),
    }),
    output: z.object({ cid: z.string(), codec: z.string() }),
    annotations: { title: 'Put an IPLD node', ...STORES },
    handlers: {
      local: async (input, ctx) => {
        const { dagCbor, dagJson, dagJsonCodec, dagCborCodec } = await ipld()
        const helia = await deps.helia()
        let node: unknown
        let size: number
        try {
          node = dagJsonCodec.decode(new TextEncoder().encode(JSON.stringify(input.value ?? null)))
          size = (input.codec === 'dag-json' ? dagJsonCodec : dagCborCodec).encode(node).length
        } catch (err) {
          throw new McppError('INVALID_PARAMS', `value: not valid DAG-JSON: ${(err as Error).message}`, {
            problems: [{ param: 'value', problem: 'not valid DAG-JSON' }],
          })
        }
        if (size > MAX_BLOCK_BYTES) {
          throw new McppError(
            'INVALID_PARAMS',
            `value: encodes to ${size} bytes; a node is at most ${MAX_BLOCK_BYTES}`,
            {
              problems: [{ param: 'value', problem: 'too large for one block' }],
            },
          )
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
        const { dagCbor, dagJson, dagJsonCodec } = await ipld()
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
          const value = await codec.get(root)
          // As plain JSON: links as {"/": cid}, bytes as {"/": {"bytes": …}}.
          return {
            cid: input.cid,
            codec: codec.name,
            value: JSON.parse(new TextDecoder().decode(dagJsonCodec.encode(value))),
          }
        } catch (err) {
          throw contentError(input.cid, err, ctx.signal)
        }
      },
    },
  })

  return [put, get]
}
