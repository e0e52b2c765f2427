import { createHash } from 'node:crypto'
import fc from 'fast-check'
import { CID } from 'multiformats/cid'
import * as Digest from 'multiformats/hashes/digest'
import { MAX_BLOCK_BYTES } from '../../shared/wire/block-protocol.ts'
import { oddString, smallJson } from './hostile-values.ts'
import type { JsonLike } from './json-text.ts'
import { type Mutation, mutationArbitrary } from './schema-params.ts'

/**
 * Requests for `/mcpp/block/1.0.0` (shared/wire/block-protocol.ts): gets of CIDs of
 * every shape (stored, missing, identity-hashed, CIDv0, other codecs, not a CID),
 * puts whose declared size and sent bytes disagree, and frames that are not requests.
 */

const SHA2_256 = 0x12
const IDENTITY = 0x00
const CODECS = { raw: 0x55, 'dag-pb': 0x70, 'dag-cbor': 0x71, 'dag-json': 0x0129 } as const

export type CidChoice =
  /** One the relay said it stored in an earlier input (by index into that list). */
  | { c: 'stored'; index: number }
  | { c: 'missing'; codec: keyof typeof CODECS; bytes: Uint8Array }
  | { c: 'identity'; size: number }
  | { c: 'v0'; bytes: Uint8Array }
  | { c: 'string'; value: string }

export type PutSize =
  | 'exact'
  | 'more-than-sent'
  | 'less-than-sent'
  | 'max-sent-nothing'
  | 'over-max'
  | 'negative'

export type BlockRequestSpec =
  | { r: 'get'; cid: CidChoice; mutations: Mutation[] }
  | { r: 'put'; size: PutSize; bytes: Uint8Array; chunk: number; mutations: Mutation[] }
  | { r: 'json'; value: JsonLike }
  | { r: 'bytes'; bytes: Uint8Array }
  | { r: 'oversized'; declared: number }

export interface BlockScenario {
  /** Say hello on the task protocol first, so that the peer is a worker (puts are for workers). */
  worker: boolean
  requests: BlockRequestSpec[]
  /** Open all request streams at once (more than the relay's 16 inbound streams). */
  parallel: boolean
  ending: 'close' | 'abort'
}

const cidChoice: fc.Arbitrary<CidChoice> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ c: fc.constant('stored' as const), index: fc.nat() }) },
  {
    weight: 2,
    arbitrary: fc.record({
      c: fc.constant('missing' as const),
      codec: fc.constantFrom(...(Object.keys(CODECS) as Array<keyof typeof CODECS>)),
      bytes: fc.uint8Array({ maxLength: 32 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      c: fc.constant('identity' as const),
      size: fc.constantFrom(0, 1, 100, 10_000, 100_000),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ c: fc.constant('v0' as const), bytes: fc.uint8Array({ maxLength: 32 }) }),
  },
  { weight: 1, arbitrary: fc.record({ c: fc.constant('string' as const), value: oddString }) },
)

const mutations = fc.oneof(
  { weight: 3, arbitrary: fc.constant<Mutation[]>([]) },
  { weight: 1, arbitrary: fc.array(mutationArbitrary, { minLength: 1, maxLength: 2 }) },
)

const request: fc.Arbitrary<BlockRequestSpec> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ r: fc.constant('get' as const), cid: cidChoice, mutations }) },
  {
    weight: 4,
    arbitrary: fc.record({
      r: fc.constant('put' as const),
      size: fc.constantFrom<PutSize>(
        'exact',
        'exact',
        'more-than-sent',
        'less-than-sent',
        'max-sent-nothing',
        'over-max',
        'negative',
      ),
      bytes: fc.oneof(fc.uint8Array({ maxLength: 64 }), fc.uint8Array({ minLength: 1, maxLength: 300_000 })),
      chunk: fc.constantFrom(1, 1000, 65_536, 262_144, 262_145),
      mutations,
    }),
  },
  { weight: 1, arbitrary: fc.record({ r: fc.constant('json' as const), value: smallJson }) },
  {
    weight: 1,
    arbitrary: fc.record({ r: fc.constant('bytes' as const), bytes: fc.uint8Array({ maxLength: 128 }) }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      r: fc.constant('oversized' as const),
      declared: fc.constantFrom(262_145, 2 ** 31, 2 ** 34),
    }),
  },
)

export const blockScenario: fc.Arbitrary<BlockScenario> = fc.record({
  worker: fc.constantFrom(true, true, false),
  requests: fc.array(request, { minLength: 1, maxLength: 4 }),
  parallel: fc.boolean(),
  ending: fc.constantFrom<BlockScenario['ending']>('close', 'abort'),
})

function sha256(bytes: Uint8Array): Uint8Array {
  return createHash('sha256').update(bytes).digest()
}

/** The CID string a choice stands for. */
export function cidString(choice: CidChoice, stored: readonly string[]): string {
  switch (choice.c) {
    case 'stored':
      return stored.length ? (stored[choice.index % stored.length] as string) : 'bafkqaaa'
    case 'missing':
      return CID.create(1, CODECS[choice.codec], Digest.create(SHA2_256, sha256(choice.bytes))).toString()
    case 'identity':
      return CID.create(
        1,
        CODECS.raw,
        Digest.create(IDENTITY, new Uint8Array(choice.size).fill(0x61)),
      ).toString()
    case 'v0':
      return CID.createV0(Digest.create(SHA2_256, sha256(choice.bytes))).toString()
    case 'string':
      return choice.value
  }
}

/** The size a put declares, by how it should disagree with the bytes sent. */
export function declaredSize(size: PutSize, sent: number): number {
  switch (size) {
    case 'exact':
      return sent
    case 'more-than-sent':
      return sent + 1
    case 'less-than-sent':
      return Math.max(0, sent - 1)
    case 'max-sent-nothing':
      return MAX_BLOCK_BYTES
    case 'over-max':
      return MAX_BLOCK_BYTES + 1
    case 'negative':
      return -1
  }
}
