import { peerIdFromString } from '@libp2p/peer-id'
import fc from 'fast-check'
import { describe } from 'vitest'
import WebSocket from 'ws'
import { fuzzSuite } from './fuzz-suite.ts'
import type { Finding, FuzzedRelay } from './fuzzed-relay.ts'
import { PeerPool, REPLY_BOUND_MS } from './p2p-peer.ts'
import { varint } from './task-frames.ts'

/**
 * The protocols the relay runs besides its own (each has a file of its own): Helia's
 * bitswap, identify, ping and the circuit-relay-v2 hop, found by asking the relay over
 * identify, plus protocol names it does not run and raw bytes on the WebSocket before
 * any libp2p handshake. Their messages are length-prefixed protobuf, so besides random
 * bytes the fuzz sends random protobuf fields.
 */

type Payload =
  | { p: 'bytes'; bytes: Uint8Array }
  /** Length-prefixed random protobuf fields, the shape of every message of these protocols. */
  | { p: 'protobuf'; fields: ProtoField[]; lengthDelta: number }
  | { p: 'length'; declared: number }

interface ProtoField {
  field: number
  wire: number
  value: number
  bytes: Uint8Array
}

interface ServiceScenario {
  target:
    | { t: 'protocol'; index: number }
    | { t: 'unknown'; name: string }
    | { t: 'websocket'; handshake: boolean }
  payloads: Payload[]
  ending: 'close' | 'abort'
}

const protoField: fc.Arbitrary<ProtoField> = fc.record({
  field: fc.integer({ min: 0, max: 40 }),
  wire: fc.integer({ min: 0, max: 7 }),
  value: fc.oneof(fc.nat(), fc.constantFrom(2 ** 31, 2 ** 32 - 1, 2 ** 53)),
  bytes: fc.uint8Array({ maxLength: 300 }),
})

const payload: fc.Arbitrary<Payload> = fc.oneof(
  {
    weight: 2,
    arbitrary: fc.record({ p: fc.constant('bytes' as const), bytes: fc.uint8Array({ maxLength: 512 }) }),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      p: fc.constant('protobuf' as const),
      fields: fc.array(protoField, { maxLength: 6 }),
      lengthDelta: fc.constantFrom(0, 0, 0, -1, 1, 1000),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      p: fc.constant('length' as const),
      declared: fc.constantFrom(4 * 1024 * 1024 + 1, 2 ** 31, 2 ** 34),
    }),
  },
)

const scenario: fc.Arbitrary<ServiceScenario> = fc.record({
  target: fc.oneof(
    { weight: 6, arbitrary: fc.record({ t: fc.constant('protocol' as const), index: fc.nat() }) },
    {
      weight: 1,
      arbitrary: fc.record({
        t: fc.constant('unknown' as const),
        name: fc.oneof(
          fc.constantFrom('/ipfs/bitswap/1.0.0', '/ipfs/id/push/1.0.0', '/ipfs/kad/1.0.0', '/x'),
          fc.string(),
        ),
      }),
    },
    { weight: 2, arbitrary: fc.record({ t: fc.constant('websocket' as const), handshake: fc.boolean() }) },
  ),
  payloads: fc.array(payload, { minLength: 1, maxLength: 4 }),
  ending: fc.constantFrom<ServiceScenario['ending']>('close', 'abort'),
})

function encodeField(f: ProtoField): number[] {
  const key = [...varint(f.field * 8 + f.wire)]
  switch (f.wire) {
    case 0:
      return [...key, ...varint(f.value)]
    case 1:
      return [...key, ...f.bytes.subarray(0, 8)]
    case 2:
      return [...key, ...varint(f.bytes.byteLength), ...f.bytes]
    case 5:
      return [...key, ...f.bytes.subarray(0, 4)]
    default:
      return [...key, ...f.bytes.subarray(0, 16)]
  }
}

function bytesOf(p: Payload): Uint8Array {
  switch (p.p) {
    case 'bytes':
      return p.bytes
    case 'protobuf': {
      const body = p.fields.flatMap(encodeField)
      return Uint8Array.from([...varint(Math.max(0, body.length + p.lengthDelta)), ...body])
    }
    case 'length':
      return varint(p.declared)
  }
}

/** multistream-select's own header, so that the bytes after it reach protocol negotiation. */
const MULTISTREAM = Uint8Array.from([...varint(19), ...new TextEncoder().encode('/multistream/1.0.0\n')])

async function rawWebSocket(
  relay: FuzzedRelay,
  s: ServiceScenario & { target: { t: 'websocket' } },
): Promise<void> {
  const [, , host, , port] = relay.p2pAddress.split('/')
  const ws = new WebSocket(`ws://${host}:${port}`)
  await new Promise<void>((resolve) => {
    const done = () => resolve()
    const timer = setTimeout(done, REPLY_BOUND_MS)
    ws.on('error', done)
    ws.on('close', done)
    ws.on('open', () => {
      if (s.target.handshake) ws.send(MULTISTREAM)
      for (const p of s.payloads) ws.send(bytesOf(p))
      // The relay answers or drops us; either way its reaction is what is checked next.
      ws.once('message', () => {
        clearTimeout(timer)
        done()
      })
    })
  })
  if (s.ending === 'abort') ws.terminate()
  else ws.close()
}

async function attemptService(
  relay: FuzzedRelay,
  peers: PeerPool,
  protocols: string[],
  s: ServiceScenario,
): Promise<Finding | undefined> {
  if (s.target.t === 'websocket') {
    await rawWebSocket(relay, { ...s, target: s.target })
  } else {
    const protocol =
      s.target.t === 'protocol' ? (protocols[s.target.index % protocols.length] as string) : s.target.name
    const { peer, stream } = await peers.open(protocol, { retry: s.target.t === 'protocol' })
    if (typeof stream === 'object') {
      for (const p of s.payloads) if (!(await stream.send(bytesOf(p)))) break
      await peer.sync()
      if (s.ending === 'close') await stream.closeWrite()
      else stream.abort()
    }
  }
  return relay.check('libp2p-services')
}

describe('the libp2p services of the relay under fuzz', () => {
  fuzzSuite<ServiceScenario>(
    'services',
    import.meta.filename,
    'a peer sends to bitswap, identify, ping, circuit relay or the raw transport',
    async (relay) => {
      const peers = new PeerPool(relay)
      // Identify tells what the relay runs (Helia's bitswap is there once IPFS was used,
      // which the acknowledged data did).
      const peer = await peers.peer()
      await peer.node.dial(peer.relayAddress)
      await peer.sync()
      const { protocols } = await peer.node.peerStore.get(peerIdFromString(relay.peerId))
      const others = protocols.filter((p) => !p.startsWith('/mcpp/'))
      if (others.length === 0) throw new Error('the relay announced no protocols besides its own')
      console.info(`fuzzing ${others.join(', ')} and the raw WebSocket`)
      return {
        name: 'libp2p-services',
        arbitrary: scenario,
        attempt: (s) => attemptService(relay, peers, others, s),
        finish: () => peers.stop(),
      }
    },
  )
})
