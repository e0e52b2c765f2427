import { z } from 'zod'
import { defineTool } from '../../../shared/tool/define-tool.ts'
import { type IpfsDeps, parseCid } from './ipfs-deps.ts'
import { MAX_DAG_BLOCKS } from './limits.ts'
import { pinDag, unpinDag } from './pin-dag.ts'

const cid = z.string().min(1).max(256).describe('Content identifier')
const mutate = { readOnlyHint: false, idempotentHint: true, openWorldHint: false } as const

export function ipfsPinTools(deps: IpfsDeps) {
  const add = defineTool({
    name: 'ipfs_pin_add',
    category: 'ipfs',
    description: `Pin a DAG on this relay so that its blocks are kept (never garbage-collected); every block must be present locally (at most ${MAX_DAG_BLOCKS} blocks)`,
    input: z.object({ cid }),
    output: z.object({ cid: z.string(), pinned: z.literal(true), blocks: z.number().int() }),
    annotations: { title: 'Pin', ...mutate, destructiveHint: false },
    handlers: {
      local: async (input, ctx) => {
        const helia = await deps.helia()
        // Offline: a block this relay lacks is NOT_FOUND at once, never a wait on the network.
        const blocks = await pinDag(helia, parseCid(input.cid), ctx.signal)
        return { cid: input.cid, pinned: true as const, blocks }
      },
    },
  })

  const rm = defineTool({
    name: 'ipfs_pin_rm',
    category: 'ipfs',
    description: 'Unpin a DAG: this relay stops keeping its blocks, which may then be garbage-collected',
    input: z.object({ cid }),
    output: z.object({ cid: z.string(), pinned: z.literal(false), wasPinned: z.boolean() }),
    annotations: { title: 'Unpin', ...mutate, destructiveHint: true },
    handlers: {
      local: async (input, ctx) => {
        const helia = await deps.helia()
        const wasPinned = await unpinDag(helia, parseCid(input.cid), ctx.signal)
        return { cid: input.cid, pinned: false as const, wasPinned }
      },
    },
  })

  const ls = defineTool({
    name: 'ipfs_pin_ls',
    category: 'ipfs',
    description: 'List the pinned DAG roots on this relay',
    input: z.object({}),
    output: z.object({ pins: z.array(z.object({ cid: z.string(), depth: z.number() })) }),
    annotations: { title: 'List pins', readOnlyHint: true, idempotentHint: true, openWorldHint: false },
    handlers: {
      local: async (_input, ctx) => {
        const helia = await deps.helia()
        const pins: Array<{ cid: string; depth: number }> = []
        for await (const pin of helia.pins.ls({ signal: ctx.signal })) {
          pins.push({ cid: pin.cid.toString(), depth: Number.isFinite(pin.depth) ? pin.depth : -1 })
        }
        return { pins }
      },
    },
  })

  return [add, rm, ls]
}
