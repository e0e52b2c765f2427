import * as dagCbor from '@ipld/dag-cbor'
import type { GraphWalkerComponents } from 'helia'
import { CID } from 'multiformats/cid'
import { sha256 } from 'multiformats/hashes/sha2'
import { describe, expect, it } from 'vitest'
import { MissingBlockError, walkDag } from './dag-walk.ts'

/** A blockstore of DAG-CBOR nodes in a Map (this module's unit test; the tools' tests use Helia). */
function store() {
  const blocks = new Map<string, Uint8Array>()
  let reads = 0
  const components = {
    blockstore: {
      async *get(cid: CID) {
        reads++
        const bytes = blocks.get(cid.toString())
        if (bytes === undefined) {
          const err = new Error('offline')
          err.name = 'BlockNotFoundWhileOfflineError'
          throw err
        }
        yield bytes
      },
    },
    getCodec: async () => dagCbor,
  } as unknown as GraphWalkerComponents
  return {
    components,
    reads: () => reads,
    async put(value: unknown): Promise<CID> {
      const bytes = dagCbor.encode(value)
      const cid = CID.createV1(dagCbor.code, await sha256.digest(bytes))
      blocks.set(cid.toString(), bytes)
      return cid
    },
  }
}

async function walk(s: ReturnType<typeof store>, root: CID, options = {}) {
  const seen: string[] = []
  for await (const node of walkDag(s.components, root, options)) seen.push(node.block.cid.toString())
  return seen
}

describe('walkDag', () => {
  it('visits each block once, however many links lead to it', async () => {
    const s = store()
    let level = await s.put({ leaf: true })
    for (let i = 0; i < 20; i++) level = await s.put({ i, links: [level, level, level] })
    expect(await walk(s, level)).toHaveLength(21)
    expect(s.reads()).toBe(21)
  })

  it('visits children in link order, depth first, with their depth and path', async () => {
    const s = store()
    const a = await s.put({ name: 'a' })
    const b = await s.put({ name: 'b', child: a })
    const c = await s.put({ name: 'c' })
    const root = await s.put({ links: [b, c] })
    const nodes = []
    for await (const node of walkDag(s.components, root)) nodes.push(node)
    expect(nodes.map((n) => n.block.cid)).toEqual([root, b, a, c])
    expect(nodes[2]).toMatchObject({ depth: 2, path: [root, b, a] })
  })

  it('throws a missing block to the caller, naming it, or skips it when asked', async () => {
    const s = store()
    const absent = await store().put({ elsewhere: true })
    const present = await s.put({ here: true })
    const root = await s.put({ links: [absent, present] })
    await expect(walk(s, root)).rejects.toBeInstanceOf(MissingBlockError)
    await expect(walk(s, root)).rejects.toMatchObject({ cid: absent })
    expect(await walk(s, root, { skipMissing: true })).toEqual([root.toString(), present.toString()])
  })

  it('stops past maxBlocks distinct blocks, at the depth asked, and when aborted', async () => {
    const s = store()
    let level = await s.put({ leaf: true })
    for (let i = 0; i < 10; i++) level = await s.put({ i, next: level })
    await expect(walk(s, level, { maxBlocks: 5 })).rejects.toMatchObject({ code: 'BAD_DATA' })
    expect(await walk(s, level, { depth: 2 })).toHaveLength(3)
    await expect(walk(s, level, { signal: AbortSignal.abort() })).rejects.toThrow()
  })
})
