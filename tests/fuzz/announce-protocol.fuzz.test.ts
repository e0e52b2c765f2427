import fc from 'fast-check'
import { describe } from 'vitest'
import { ANNOUNCE_PROTOCOL } from '../../shared/wire/announce-messages.ts'
import { CALL_BOUND_MS } from './fuzz-settings.ts'
import { fuzzSuite } from './fuzz-suite.ts'
import type { Finding, FuzzedRelay } from './fuzzed-relay.ts'
import { hostileValue, oddNumber, oddString, smallJson } from './hostile-values.ts'
import type { JsonLike } from './json-text.ts'
import { PeerPool } from './p2p-peer.ts'
import { applyMutations, type Mutation, mutationArbitrary } from './schema-params.ts'
import { frameOf, varint } from './task-frames.ts'
import { judgeToolOutcome } from './tool-calls.ts'

/** What a peer sends on `/mcpp/announce/1.0.0` (relay/p2p/relay-directory.ts): one frame per stream. */
type AnnounceFrame =
  | { f: 'capacity'; numbers: JsonLike[]; kinds: JsonLike[]; multiaddrs: JsonLike[]; mutations: Mutation[] }
  | { f: 'json'; value: JsonLike }
  | { f: 'bytes'; bytes: Uint8Array }
  | { f: 'oversized'; declared: number }

interface AnnounceScenario {
  /** Several frames go on one stream; the relay expects one. */
  frames: AnnounceFrame[]
  ending: 'close' | 'abort'
}

const frame: fc.Arbitrary<AnnounceFrame> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      f: fc.constant('capacity' as const),
      numbers: fc.array(fc.oneof(fc.nat(), oddNumber), { minLength: 5, maxLength: 5 }),
      kinds: fc.array(fc.oneof(oddString, hostileValue), { maxLength: 4 }),
      multiaddrs: fc.array(
        fc.oneof(fc.constantFrom('/ip4/127.0.0.1/tcp/1/ws', '/dns4/evil.example/tcp/443/wss'), oddString),
        { maxLength: 3 },
      ),
      mutations: fc.oneof(
        { weight: 1, arbitrary: fc.constant<Mutation[]>([]) },
        { weight: 2, arbitrary: fc.array(mutationArbitrary, { minLength: 1, maxLength: 3 }) },
      ),
    }),
  },
  { weight: 1, arbitrary: fc.record({ f: fc.constant('json' as const), value: smallJson }) },
  {
    weight: 1,
    arbitrary: fc.record({ f: fc.constant('bytes' as const), bytes: fc.uint8Array({ maxLength: 128 }) }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      f: fc.constant('oversized' as const),
      declared: fc.constantFrom(16 * 1024 + 1, 2 ** 31),
    }),
  },
)

const scenario: fc.Arbitrary<AnnounceScenario> = fc.record({
  frames: fc.array(frame, { minLength: 1, maxLength: 3 }),
  ending: fc.constantFrom<AnnounceScenario['ending']>('close', 'abort'),
})

function bytesOf(f: AnnounceFrame): Uint8Array {
  switch (f.f) {
    case 'capacity': {
      const [workers, slots, freeSlots, queued] = f.numbers
      const message = {
        type: 'capacity',
        multiaddrs: f.multiaddrs,
        capacity: { workers, slots, freeSlots, kinds: f.kinds, queued } as JsonLike,
      }
      return frameOf(applyMutations(message, f.mutations, {}))
    }
    case 'json':
      return frameOf(f.value)
    case 'bytes':
      return f.bytes
    case 'oversized':
      return varint(f.declared)
  }
}

/**
 * An announcement from a fresh-ish peer, then the tool that lists what was announced
 * (`p2p_taskqueue_discover_peers`): what a peer announced must never break the listing.
 */
async function attemptAnnounce(
  relay: FuzzedRelay,
  peers: PeerPool,
  s: AnnounceScenario,
): Promise<Finding | undefined> {
  const { peer, stream } = await peers.open(ANNOUNCE_PROTOCOL)
  if (typeof stream === 'object') {
    for (const f of s.frames) if (!(await stream.send(bytesOf(f)))) break
    await peer.sync()
    if (s.ending === 'close') await stream.closeWrite()
    else stream.abort()
  }
  const listing = await relay.mcp.dispatch('p2p_taskqueue_discover_peers', {}, { timeoutMs: CALL_BOUND_MS })
  if (!relay.alive) return relay.crashed('announce-protocol')
  return judgeToolOutcome('tools:p2p_taskqueue_discover_peers', listing) ?? relay.check('announce-protocol')
}

describe('the announce protocol under fuzz', () => {
  fuzzSuite<AnnounceScenario>(
    'announce',
    import.meta.filename,
    'a peer announces on /mcpp/announce/1.0.0',
    async (relay) => {
      const peers = new PeerPool(relay, { members: true })
      return {
        name: 'announce-protocol',
        arbitrary: scenario,
        attempt: (s) => attemptAnnounce(relay, peers, s),
        finish: () => peers.stop(),
      }
    },
  )
})
