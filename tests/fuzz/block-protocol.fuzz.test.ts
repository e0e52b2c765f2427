import { describe } from 'vitest'
import { BLOCK_PROTOCOL } from '../../shared/wire/block-protocol.ts'
import { encodeFrame } from '../../shared/wire/frame-decoder.ts'
import { TASK_PROTOCOL } from '../../shared/wire/task-messages.ts'
import {
  type BlockRequestSpec,
  type BlockScenario,
  blockScenario,
  cidString,
  declaredSize,
} from './block-requests.ts'
import { fuzzSuite } from './fuzz-suite.ts'
import type { Finding, FuzzedRelay } from './fuzzed-relay.ts'
import { type FuzzPeer, PeerPool } from './p2p-peer.ts'
import { applyMutations } from './schema-params.ts'
import { frameOf, varint } from './task-frames.ts'

/** CIDs the relay said it stored, for later gets (kept short: only a sample is needed). */
const stored: string[] = []
const MAX_STORED = 64
const MAX_FRAMES_PER_PUT = 512

async function attemptBlocks(
  relay: FuzzedRelay,
  peers: PeerPool,
  scenario: BlockScenario,
): Promise<Finding | undefined> {
  const { peer, stream: task } = scenario.worker
    ? await peers.open(TASK_PROTOCOL)
    : { peer: await peers.peer(), stream: undefined }
  if (typeof task === 'object') {
    await task.send(
      frameOf({
        type: 'hello',
        version: 1,
        name: 'fuzz',
        kinds: ['fuzz-blocks'],
        capabilities: [],
        concurrency: 1,
      }),
    )
    await task.waitFor((m) => m?.type === 'welcome')
  }
  const run = (spec: BlockRequestSpec) => sendRequest(peer, spec, scenario.ending)
  if (scenario.parallel) await Promise.all(scenario.requests.map(run))
  else for (const spec of scenario.requests) await run(spec)
  await peer.sync()
  if (typeof task === 'object') await task.closeWrite()
  return relay.check('block-protocol')
}

async function sendRequest(
  peer: FuzzPeer,
  spec: BlockRequestSpec,
  ending: BlockScenario['ending'],
): Promise<void> {
  const stream = await peer.open(BLOCK_PROTOCOL)
  if (typeof stream === 'string') return
  switch (spec.r) {
    case 'get':
      await stream.send(
        frameOf(applyMutations({ op: 'get', cid: cidString(spec.cid, stored) }, spec.mutations, {})),
      )
      break
    case 'put': {
      const header = applyMutations(
        { op: 'put', size: declaredSize(spec.size, spec.bytes.byteLength) },
        spec.mutations,
        {},
      )
      await stream.send(frameOf(header))
      if (spec.size !== 'max-sent-nothing') {
        // Tiny frames are a fair probe, a hundred thousand of them only slow the fuzz down.
        const chunk = Math.max(spec.chunk, Math.ceil(spec.bytes.byteLength / MAX_FRAMES_PER_PUT))
        for (let i = 0; i < spec.bytes.byteLength; i += chunk) {
          const body = spec.bytes.subarray(i, i + chunk)
          if (!(await stream.send(encodeFrame(body)))) break
        }
      }
      break
    }
    case 'json':
      await stream.send(frameOf(spec.value))
      break
    case 'bytes':
      await stream.send(spec.bytes)
      break
    case 'oversized':
      await stream.send(varint(spec.declared))
      break
  }
  if (ending === 'close') await stream.closeWrite()
  // Replies matter only for the CIDs they name; a request left incomplete may get none
  // (the relay waits for the rest of it), so only complete ones are waited for.
  const complete = spec.r === 'get' || (spec.r === 'put' && spec.size === 'exact')
  if (complete && spec.mutations.length === 0) {
    const reply = await stream.waitFor((m) => typeof m?.ok === 'boolean')
    if (reply?.ok === true && typeof reply.cid === 'string' && stored.length < MAX_STORED)
      stored.push(reply.cid)
  }
  stream.abort()
}

describe('the block protocol under fuzz', () => {
  fuzzSuite<BlockScenario>(
    'block',
    import.meta.filename,
    'a peer sends on /mcpp/block/1.0.0',
    async (relay) => {
      const peers = new PeerPool(relay)
      return {
        name: 'block-protocol',
        arbitrary: blockScenario,
        attempt: (scenario) => attemptBlocks(relay, peers, scenario),
        finish: () => peers.stop(),
      }
    },
  )
})
