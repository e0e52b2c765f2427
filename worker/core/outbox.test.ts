import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { TaskResultMessage, WorkerMessage } from '../../shared/wire/task-messages.ts'
import { COALESCE_MS, Outbox } from './outbox.ts'

const result = (n: number): TaskResultMessage => ({
  taskId: `t${n}`,
  token: n,
  ok: true,
  output: n,
  durationMs: 1,
})
const busy = { idle: false, bufferEmpty: false }

let sent: WorkerMessage[]
let outbox: Outbox
const ids = () => sent.map((m) => (m.type === 'results' ? m.results.map((r) => r.taskId) : m.type))

beforeEach(() => {
  vi.useFakeTimers()
  sent = []
  outbox = new Outbox(async (m) => void sent.push(m), 3)
})
afterEach(() => vi.useRealTimers())

describe('Outbox', () => {
  it('sends at the end of the turn when the worker is idle', async () => {
    outbox.result(result(1), { idle: true, bufferEmpty: true })
    expect(sent).toEqual([])
    await Promise.resolve()
    expect(ids()).toEqual([['t1']])
  })

  it('holds results while the buffer has work, up to COALESCE_MS', async () => {
    outbox.result(result(1), busy)
    outbox.result(result(2), busy)
    await vi.advanceTimersByTimeAsync(COALESCE_MS - 1)
    expect(sent).toEqual([])
    await vi.advanceTimersByTimeAsync(1)
    expect(ids()).toEqual([['t1', 't2']])
  })

  it('sends a full batch at once', async () => {
    for (const n of [1, 2, 3]) outbox.result(result(n), busy)
    await Promise.resolve()
    expect(ids()).toEqual([['t1', 't2', 't3']])
  })

  it('asks for a refill once when the buffer runs empty, then waits for the assignment', async () => {
    outbox.result(result(1), { idle: false, bufferEmpty: true })
    await Promise.resolve()
    expect(ids()).toEqual([['t1']])
    // Still no assignment: the next result waits for company instead of a frame of its own.
    outbox.result(result(2), { idle: false, bufferEmpty: true })
    await Promise.resolve()
    expect(ids()).toEqual([['t1']])
    outbox.refilled()
    outbox.result(result(3), { idle: false, bufferEmpty: true })
    await Promise.resolve()
    expect(ids()).toEqual([['t1'], ['t2', 't3']])
  })

  it('sends start notices and results together', async () => {
    outbox.start({ taskId: 't9', token: 9 })
    outbox.result(result(1), busy)
    await vi.advanceTimersByTimeAsync(COALESCE_MS)
    expect(sent.map((m) => m.type)).toEqual(['started', 'results'])
  })
})
