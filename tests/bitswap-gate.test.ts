import { generateKeyPair } from '@libp2p/crypto/keys'
import type { PrivateKey } from '@libp2p/interface'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { MemoryBlockstore } from 'blockstore-core'
import { MemoryDatastore } from 'datastore-core'
import { CID } from 'multiformats/cid'
import { afterEach, describe, expect, it } from 'vitest'
import type { RunningRelay } from '../relay/relay.ts'
import { createWorkerNode } from '../worker/core/create-worker-node.ts'
import { resolveRelay } from '../worker/core/relay-address.ts'
import { connectClient, startTestRelay } from './helpers.ts'

let relay: RunningRelay
const stops: Array<() => Promise<unknown>> = []
afterEach(async () => {
  for (const stop of stops.splice(0)) await stop()
  await relay?.close()
})

/** The operator adds content; a peer running its own Helia asks the relay for it over bitswap. */
async function fetchOverBitswap(key: PrivateKey, members: string[]): Promise<Uint8Array> {
  relay = await startTestRelay({ relays: { members } })
  const client = await connectClient(relay.url)
  stops.push(() => client.close())
  const added = await client.callTool({
    name: 'tools_dispatch',
    arguments: { tool: 'ipfs_add', params: { text: 'the operator’s private notes' } },
  })
  const cid = CID.parse((added.structuredContent as any).result.cid)
  const [{ createHeliaLight }, { withBitswap }] = await Promise.all([
    import('helia'),
    import('@helia/bitswap'),
  ])
  const libp2p = await createWorkerNode({ privateKey: key })
  const light = createHeliaLight({ blockstore: new MemoryBlockstore(), datastore: new MemoryDatastore() })
  Object.defineProperty(light, 'libp2p', { value: libp2p, enumerable: true })
  const helia = withBitswap(light as typeof light & { libp2p: typeof libp2p })
  await helia.start()
  stops.push(() => helia.stop().then(() => libp2p.stop()))
  await libp2p.dial(multiaddr(await resolveRelay(relay.url)))
  const chunks: Uint8Array[] = []
  for await (const chunk of helia.blockstore.get(cid, {
    signal: AbortSignal.timeout(3000),
  }) as AsyncIterable<Uint8Array>)
    chunks.push(chunk)
  return Buffer.concat(chunks)
}

describe('bitswap on the relay', () => {
  it('serves a member relay', async () => {
    const key = await generateKeyPair('Ed25519')
    const bytes = await fetchOverBitswap(key, [peerIdFromPrivateKey(key).toString()])
    expect(new TextDecoder().decode(bytes)).toContain('private notes')
  })

  it('serves no one else, so a connected stranger cannot read the blockstore by CID', async () => {
    const key = await generateKeyPair('Ed25519')
    await expect(fetchOverBitswap(key, [])).rejects.toThrow()
  })
})
