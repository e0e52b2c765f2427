import { readFile } from 'node:fs'
import { MessageChannel } from 'node:worker_threads'
import { describe, expect, it } from 'vitest'
import { SLICE_MS, TimeSlice, yieldAfter } from './event-loop-turn.ts'

/** Keeps the thread busy for `ms`, as a large call's step does. */
function busy(ms: number): number {
  const since = performance.now()
  while (performance.now() - since < ms) {}
  return since
}

/** Runs `step` from a callback of one event-loop phase and resolves with what it answers. */
const phases: Record<string, (step: () => Promise<string[]>) => Promise<string[]>> = {
  // An I/O callback, as when a request's body has arrived.
  poll: (step) => new Promise((resolve) => readFile(import.meta.filename, () => resolve(step()))),
  timers: (step) => new Promise((resolve) => setTimeout(() => resolve(step()), 0)),
  check: (step) => new Promise((resolve) => setImmediate(() => resolve(step()))),
}

describe('yieldAfter', () => {
  it('does not wait after a step shorter than SLICE_MS', () => {
    expect(yieldAfter(performance.now())).toBeUndefined()
  })

  for (const [phase, run] of Object.entries(phases)) {
    it(`lets due timers and I/O run before the call goes on, from the ${phase} phase`, async () => {
      const order = await run(async () => {
        const order: string[] = []
        setTimeout(() => order.push('timer'), 0)
        // A message between two ports arrives through the poll phase, as a request does.
        const { port1, port2 } = new MessageChannel()
        port2.on('message', () => order.push('I/O'))
        port1.postMessage('hello')
        const since = busy(SLICE_MS + 5)
        await yieldAfter(since)
        order.push('the call goes on')
        port1.close()
        return order
      })
      expect(order.slice(-1)).toEqual(['the call goes on'])
      expect([...order].sort()).toEqual(['I/O', 'the call goes on', 'timer'])
    })
  }

  it('adds up steps each shorter than SLICE_MS, and starts again after a turn', async () => {
    const slice = new TimeSlice()
    busy(SLICE_MS * 0.6)
    expect(slice.pause()).toBeUndefined()
    busy(SLICE_MS * 0.6)
    const turn = slice.pause()
    expect(turn).toBeInstanceOf(Promise)
    await turn
    expect(slice.pause()).toBeUndefined()
  })
})
