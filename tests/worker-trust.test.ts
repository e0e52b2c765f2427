import { sha256 } from '@noble/hashes/sha2.js'
import { bytesToHex } from '@noble/hashes/utils.js'
import { describe, expect, it } from 'vitest'
import { type Answer, scriptedWorker } from './fake-worker.ts'
import { workerHarness } from './fixtures/worker-harness.ts'

const h = workerHarness()
const start = h.start.bind(h)
const peer = () => h.peer()

async function dispatch(tool: string, params: Record<string, unknown>): Promise<any> {
  const result = await h.client.callTool({ name: 'tools_dispatch', arguments: { tool, params } })
  if (result.isError) throw new Error(JSON.stringify(result._meta ?? result.content))
  return result.structuredContent as any
}

/** An honest sha256 answer. */

function honestSha(task: { input?: unknown }): Answer {
  const text = (task.input as { text: string }).text
  const bytes = new TextEncoder().encode(text)
  return { output: { sha256: bytesToHex(sha256(bytes)), bytes: bytes.length } }
}
const FORGED = 'f'.repeat(64)
function liar(task: { input?: unknown }): Answer {
  return {
    output: { sha256: FORGED, bytes: new TextEncoder().encode((task.input as { text: string }).text).length },
  }
}
const realDigest = (text: string) => bytesToHex(sha256(new TextEncoder().encode(text)))

describe('results from untrusted workers are verified', () => {
  it('a quorum of 2 outvotes a forged digest, names who agreed, and bans the liar', async () => {
    await start({ trust: { default: 'quorum:2' } })
    const liarPeer = await peer()
    const lying = await scriptedWorker(liarPeer, liar)
    const submitted = await dispatch('p2p_taskqueue_submit', { kind: 'sha256', input: { text: 'quorum' } })
    const id = submitted.result.tasks[0].id
    // The liar answers first; then two honest peers.
    await expect.poll(() => lying.assigned.includes(id)).toBe(true)
    const a = await peer()
    await scriptedWorker(a, honestSha)
    const b = await peer()
    await scriptedWorker(b, honestSha)
    const out = await dispatch('p2p_taskqueue_wait', { taskId: id, timeoutMs: 20_000 })
    const task = out.result.task ?? out.result
    expect(task.state).toBe('succeeded')
    expect(task.output.sha256).toBe(realDigest('quorum'))
    expect(new Set(task.verification.workers)).toEqual(
      new Set([a.node.peerId.toString(), b.node.peerId.toString()]),
    )
    expect(task.verification).toMatchObject({
      trust: 'quorum',
      verified: true,
      dissent: [liarPeer.node.peerId.toString()],
    })
    expect(h.relay.components.tasks.isBanned(liarPeer.node.peerId.toString())).toBe(true)
    await expect.poll(() => liarPeer.node.getConnections().length).toBe(0)
  })

  it('a spot-check catches a liar, re-runs the task elsewhere, and re-runs the unchecked answers of that liar', async () => {
    await start()
    const liarPeer = await peer()
    const lying = await scriptedWorker(liarPeer, liar)
    // Trust any: the forged answer is taken on the liar's word, and says so.
    const early = await dispatch('p2p_taskqueue_submit', {
      kind: 'sha256',
      input: { text: 'early' },
      wait: true,
    })
    expect(early.result.results[0].output.sha256).toBe(FORGED)
    expect(early.result.results[0].verification).toEqual({
      trust: 'any',
      verified: false,
      workers: [liarPeer.node.peerId.toString()],
    })
    // A submitter that asks for spot-checks of every answer catches it.
    const checked = await dispatch('p2p_taskqueue_submit', {
      kind: 'sha256',
      input: { text: 'checked' },
      trust: 'spot-check:1',
    })
    const checkedId = checked.result.tasks[0].id
    await expect.poll(() => lying.assigned.includes(checkedId)).toBe(true)
    await expect.poll(() => h.relay.components.tasks.isBanned(liarPeer.node.peerId.toString())).toBe(true)
    // The early answer was thrown away and both tasks run again, on an honest worker.
    const earlyId = early.result.tasks[0].id
    await expect.poll(() => h.relay.components.tasks.get(earlyId)?.state).toBe('queued')
    const good = await peer()
    await scriptedWorker(good, honestSha)
    const again = await dispatch('p2p_taskqueue_wait', { taskId: earlyId, timeoutMs: 20_000 })
    expect((again.result.task ?? again.result).output.sha256).toBe(realDigest('early'))
    const verified = await dispatch('p2p_taskqueue_wait', { taskId: checkedId, timeoutMs: 20_000 })
    const task = verified.result.task ?? verified.result
    expect(task.output.sha256).toBe(realDigest('checked'))
    expect(task.verification).toMatchObject({
      trust: 'spot-check',
      verified: true,
      recomputedBy: 'relay',
      workers: [good.node.peerId.toString()],
    })
    const metrics = await (await fetch(`${h.relay.url}/metrics`)).text()
    expect(metrics).toMatch(/mcpp_task_verifications_total\{trust="spot-check",outcome="disagreed"\} 1/)
  })

  it('refuses an answer of the wrong shape for its kind, counts a strike and runs the task again', async () => {
    await start()
    const bad = await peer()
    await scriptedWorker(bad, () => ({ output: { sha256: 'not hex', bytes: -1 } }))
    const out = await dispatch('p2p_taskqueue_submit', {
      kind: 'sha256',
      input: { text: 'shape' },
      maxAttempts: 1,
      wait: true,
    })
    expect(out.result.results[0]).toMatchObject({ state: 'failed', error: { code: 'INVALID_OUTPUT' } })
    expect(h.relay.components.tasks.standingOf(bad.node.peerId.toString()).strikes).toBe(1)
  })
})
