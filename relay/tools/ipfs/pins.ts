import { z } from 'zod'
import { defineTool } from '../../../shared/tool/define-tool.ts'
import { type IpfsDeps, notFound, parseCid } from './ipfs-deps.ts'

const PIN_WALK_TIMEOUT_MS = 10_000
const cid = z.string().min(1).max(256).describe('Content identifier')
const mutate = { readOnlyHint: false, idempotentHint: true, openWorldHint: false } as const

export function ipfsPinTools(deps: IpfsDeps) {
  const add = defineTool({
    name: 'ipfs_pin_add',
    category: 'ipfs',
    description: 'Pin a DAG on this relay so that its blocks are kept; every block must be present locally',
    input: z.object({ cid }),
    output: z.object({ cid: z.string(), pinned: z.literal(true), blocks: z.number().int() }),
    annotations: { title: 'Pin', ...mutate, destructiveHint: false },
    handlers: {
      local: async (input, ctx) => {
        const helia = await deps.helia()
        const root = parseCid(input.cid)
        let blocks = 0
        if (!(await helia.blockstore.has(root))) throw notFound(input.cid, new Error('no root block'))
        if (await helia.pins.isPinned(root)) return { cid: input.cid, pinned: true as const, blocks: 0 }
        // Pinning walks the DAG and would wait on the network for a missing child block.
        const signal = AbortSignal.any([ctx.signal, AbortSignal.timeout(PIN_WALK_TIMEOUT_MS)])
        try {
          for await (const _ of helia.pins.add(root, { signal })) blocks++
        } catch (err) {
          if (ctx.signal.aborted) throw err
          throw notFound(input.cid, new Error(`a block of the DAG is missing: ${(err as Error).message}`))
        }
        return { cid: input.cid, pinned: true as const, blocks }
      },
    },
  })

  const rm = defineTool({
    name: 'ipfs_pin_rm',
    category: 'ipfs',
    description: 'Unpin a DAG (its blocks may then be garbage-collected)',
    input: z.object({ cid }),
    output: z.object({ cid: z.string(), pinned: z.literal(false), wasPinned: z.boolean() }),
    annotations: { title: 'Unpin', ...mutate, destructiveHint: true },
    handlers: {
      local: async (input, ctx) => {
        const helia = await deps.helia()
        const root = parseCid(input.cid)
        const wasPinned = await helia.pins.isPinned(root)
        if (wasPinned) for await (const _ of helia.pins.rm(root, { signal: ctx.signal })) void _
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
