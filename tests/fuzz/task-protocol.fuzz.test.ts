import { describe } from 'vitest'
import { TASK_PROTOCOL } from '../../shared/wire/task-messages.ts'
import { CALL_BOUND_MS } from './fuzz-settings.ts'
import { fuzzSuite } from './fuzz-suite.ts'
import type { Finding, FuzzedRelay } from './fuzzed-relay.ts'
import { PeerPool, type RawStream } from './p2p-peer.ts'
import {
  type Assigned,
  buildMessage,
  frameOf,
  type TaskScenario,
  type TaskStep,
  taskScenario,
  varint,
} from './task-frames.ts'

let sequence = 0
const SPLIT_HEAD_BYTES = 2048
/** A flood is many small messages, not gigabytes: its total is capped. */
const FLOOD_MAX_BYTES = 4 * 1024 * 1024

/**
 * One scenario on one stream from a fresh peer: hello (valid, mutated or missing), a
 * task of the peer's own kind submitted over MCP so that the relay assigns it, then
 * the steps, then the stream ends. A libp2p ping on the same connection afterwards
 * makes sure the relay has read everything before it is checked.
 */
async function attemptScenario(
  relay: FuzzedRelay,
  peers: PeerPool,
  scenario: TaskScenario,
): Promise<Finding | undefined> {
  const kind = `fz-${process.pid}-${++sequence}`
  await (async () => {
    const { peer, stream } = await peers.open(TASK_PROTOCOL)
    if (typeof stream === 'string') return
    let assigned: Assigned | undefined
    if (scenario.hello !== 'none') {
      const mutations = scenario.hello === 'valid' ? [] : scenario.hello.mutations
      const hello = buildMessage({ type: 'hello', mutations }, undefined, kind, scenario.concurrency)
      await stream.send(frameOf(hello))
      const welcome = await stream.waitFor((m) => m?.type === 'welcome')
      if (welcome && scenario.submit) {
        await relay.mcp.dispatch(
          'p2p_taskqueue_submit',
          { kind, input: scenario.input, maxAttempts: 1, timeoutMs: 60_000 },
          { timeoutMs: CALL_BOUND_MS },
        )
        const assign = await stream.waitFor((m) => m?.type === 'assign')
        const task = assign?.tasks?.[0]
        if (task) assigned = { taskId: task.taskId, token: task.token, kind }
      }
    }
    const steps: TaskStep[] = scenario.first
      ? [{ t: 'message', message: scenario.first }, ...scenario.steps]
      : scenario.steps
    for (const step of steps) {
      if (!(await sendStep(stream, step, assigned, kind, scenario.concurrency))) break
    }
    await peer.sync()
    if (scenario.ending === 'close') await stream.closeWrite()
    else if (scenario.ending === 'abort') stream.abort()
  })()
  return relay.check('task-protocol')
}

async function sendStep(
  stream: RawStream,
  step: TaskStep,
  assigned: Assigned | undefined,
  kind: string,
  concurrency: number,
): Promise<boolean> {
  const build = (m: Parameters<typeof buildMessage>[0]) => buildMessage(m, assigned, kind, concurrency)
  switch (step.t) {
    case 'bytes':
      return stream.send(step.bytes)
    case 'json':
      return stream.send(frameOf(step.value))
    case 'message':
      return stream.send(frameOf(build(step.message)))
    case 'truncated': {
      const frame = frameOf(build(step.message))
      await stream.send(frame.subarray(0, Math.max(1, step.keep % frame.byteLength)))
      await stream.closeWrite()
      return false
    }
    case 'oversized':
      return stream.send(varint(step.declared))
    case 'endless-varint':
      return stream.send(new Uint8Array(16).fill(0xff))
    case 'split': {
      // Tiny writes across the length prefix and the start of the body; the rest of a
      // large frame in one write (a million 1-byte writes would only test the fuzz).
      const frame = frameOf(build(step.message))
      const head = Math.min(frame.byteLength, SPLIT_HEAD_BYTES)
      for (let i = 0; i < head; i += step.chunk) {
        if (!(await stream.send(frame.subarray(i, Math.min(head, i + step.chunk))))) return false
      }
      return head === frame.byteLength || stream.send(frame.subarray(head))
    }
    case 'flood': {
      const frame = frameOf(build(step.message))
      const count = Math.max(1, Math.min(step.count, Math.floor(FLOOD_MAX_BYTES / frame.byteLength)))
      const all = new Uint8Array(frame.byteLength * count)
      for (let i = 0; i < count; i++) all.set(frame, i * frame.byteLength)
      return stream.send(all)
    }
  }
}

describe('the task protocol under fuzz', () => {
  fuzzSuite<TaskScenario>('task', import.meta.filename, 'a peer sends on /mcpp/task/1.0.0', async (relay) => {
    const peers = new PeerPool(relay)
    return {
      name: 'task-protocol',
      arbitrary: taskScenario,
      attempt: (scenario) => attemptScenario(relay, peers, scenario),
      finish: () => peers.stop(),
    }
  })
})
