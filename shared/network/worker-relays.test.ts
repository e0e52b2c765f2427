import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { describe, expect, it } from 'vitest'
import { relayMessage } from '../wire/task-messages.ts'
import {
  isWorkerRelayAddress,
  MAX_ADDRESSES_PER_RELAY,
  MAX_WORKER_RELAY_ADDRESSES,
  workerRelayAddresses,
} from './worker-relays.ts'

const A = '12D3KooWGX4yg2qetMdARtqz2W4663fk8xYuWKAfNFjNiUXqRKat'
const B = '12D3KooWDpJ7As7BWAwRMfu1VU2WCqNjvq387JEYKDBj4kx6nXTN'

const welcome = (relays: unknown) => ({
  type: 'welcome',
  relayPeerId: A,
  workerId: 'w/1',
  heartbeatMs: 1000,
  leaseMs: 3000,
  maxMessageBytes: 1024,
  relays,
})

describe('isWorkerRelayAddress', () => {
  it('accepts ws and wss addresses ending in a PeerId', () => {
    expect(isWorkerRelayAddress(`/ip4/127.0.0.1/tcp/9001/ws/p2p/${B}`)).toBe(true)
    expect(isWorkerRelayAddress(`/dns4/relay.example/tcp/443/wss/p2p/${B}`)).toBe(true)
    expect(isWorkerRelayAddress(`/dns4/relay.example/tcp/443/tls/ws/p2p/${B}`)).toBe(true)
  })

  it('refuses addresses a browser worker cannot dial or that name no relay', () => {
    expect(isWorkerRelayAddress(`/ip4/127.0.0.1/tcp/9001/p2p/${B}`)).toBe(false)
    expect(isWorkerRelayAddress('/ip4/127.0.0.1/tcp/9001/ws')).toBe(false)
    expect(isWorkerRelayAddress(`/ip4/127.0.0.1/tcp/9001/ws/p2p/${A}/p2p-circuit/p2p/${B}`)).toBe(false)
    expect(isWorkerRelayAddress('javascript:alert(1)')).toBe(false)
    expect(isWorkerRelayAddress(`/ip4/127.0.0.1/tcp/9001/ws/p2p/notapeerid`)).toBe(false)
  })
})

describe('workerRelayAddresses', () => {
  it("lists each relay's WebSocket addresses with its PeerId, skipping others", () => {
    const out = workerRelayAddresses([
      {
        peerId: B,
        multiaddrs: ['/ip4/127.0.0.1/tcp/9001/ws', '/ip4/127.0.0.1/tcp/9002', '/ip4/10.0.0.2/tcp/9001/ws'],
      },
    ])
    expect(out).toEqual([`/ip4/127.0.0.1/tcp/9001/ws/p2p/${B}`, `/ip4/10.0.0.2/tcp/9001/ws/p2p/${B}`])
  })

  it('drops an address that names a peer other than the announcing relay', () => {
    expect(
      workerRelayAddresses([{ peerId: B, multiaddrs: [`/ip4/127.0.0.1/tcp/9001/ws/p2p/${A}`] }]),
    ).toEqual([])
  })

  it('takes at most a few addresses per relay and a bounded number in all', async () => {
    const many = Array.from({ length: 10 }, (_, i) => `/ip4/10.0.0.${i}/tcp/9001/ws`)
    expect(workerRelayAddresses([{ peerId: B, multiaddrs: many }])).toHaveLength(MAX_ADDRESSES_PER_RELAY)
    const relays = Array.from({ length: 10 }, () => ({ peerId: B, multiaddrs: many }))
    // Listed twice, a relay still gets no more room.
    expect(workerRelayAddresses(relays)).toHaveLength(MAX_ADDRESSES_PER_RELAY)
    const ids = await Promise.all(
      Array.from({ length: 10 }, async () =>
        peerIdFromPrivateKey(await generateKeyPair('Ed25519')).toString(),
      ),
    )
    const distinct = ids.map((peerId, r) => ({
      peerId,
      multiaddrs: [`/ip4/10.1.${r}.1/tcp/9001/ws`, `/ip4/10.1.${r}.2/tcp/9001/ws`],
    }))
    expect(workerRelayAddresses(distinct)).toHaveLength(MAX_WORKER_RELAY_ADDRESSES)
  })
})

describe('the relays of a welcome message', () => {
  it('may be absent (older relays) or a list of relay addresses', () => {
    expect(relayMessage.safeParse(welcome(undefined)).success).toBe(true)
    expect(relayMessage.safeParse(welcome([`/ip4/127.0.0.1/tcp/9001/ws/p2p/${B}`])).success).toBe(true)
  })

  it('refuse an oversized list, a garbage entry or a non-list', () => {
    const address = (i: number) => `/ip4/10.0.0.${i}/tcp/9001/ws/p2p/${B}`
    const tooMany = Array.from({ length: MAX_WORKER_RELAY_ADDRESSES + 1 }, (_, i) => address(i))
    expect(relayMessage.safeParse(welcome(tooMany)).success).toBe(false)
    expect(relayMessage.safeParse(welcome([address(1), 'garbage'])).success).toBe(false)
    expect(
      relayMessage.safeParse(welcome([`/ip4/10.0.0.1/tcp/9001/ws/p2p/${B}${'x'.repeat(600)}`])).success,
    ).toBe(false)
    expect(relayMessage.safeParse(welcome({ a: 1 })).success).toBe(false)
    expect(relayMessage.safeParse(welcome([42])).success).toBe(false)
  })
})
