import { describe, expect, it } from 'vitest'
import { McppError } from '../../shared/errors.ts'
import { InFlightCalls } from './in-flight-calls.ts'

/** A handler as create-server.ts runs one: it leaves when its signal aborts, as raceAbort makes it. */
function handler(calls: InFlightCalls, request = new AbortController()) {
  const call = calls.enter(request.signal)
  if (!call) throw new Error('refused')
  call.signal.addEventListener('abort', () => call.leave(), { once: true })
  return { call, request }
}

describe('InFlightCalls', () => {
  it('reports nothing to drain when no call runs, and admits none afterwards', async () => {
    const calls = new InFlightCalls()
    expect(await calls.drain(60_000)).toMatchObject({ inFlight: 0, finished: 0, cut: 0 })
    expect(calls.accepting).toBe(false)
    expect(calls.enter(new AbortController().signal)).toBeUndefined()
  })

  it('waits for a call that finishes within the grace period and does not abort it', async () => {
    const calls = new InFlightCalls()
    const { call } = handler(calls)
    const drained = calls.drain(60_000)
    expect(calls.enter(new AbortController().signal)).toBeUndefined()
    call.leave()
    expect(await drained).toMatchObject({ inFlight: 1, finished: 1, cut: 0 })
    expect(call.signal.aborted).toBe(false)
  })

  it('aborts the calls still running at the deadline with SHUTTING_DOWN', async () => {
    const calls = new InFlightCalls()
    const done = handler(calls)
    const running = handler(calls)
    done.call.leave()
    const report = await calls.drain(0)
    expect(report).toMatchObject({ inFlight: 1, finished: 0, cut: 1 })
    expect(running.call.signal.reason).toBeInstanceOf(McppError)
    expect((running.call.signal.reason as McppError).code).toBe('SHUTTING_DOWN')
    expect(calls.size).toBe(0)
  })

  it('ends the grace period at once when hurried', async () => {
    const calls = new InFlightCalls()
    const { call } = handler(calls)
    const drained = calls.drain(3_600_000)
    calls.hurry()
    expect(await drained).toMatchObject({ inFlight: 1, cut: 1 })
    expect((call.signal.reason as McppError).code).toBe('SHUTTING_DOWN')
  })

  it("aborts a call when its client cancels it, with the client's reason", () => {
    const calls = new InFlightCalls()
    const { call, request } = handler(calls)
    request.abort('the client cancelled')
    expect(call.signal.reason).toBe('the client cancelled')
    expect(calls.size).toBe(0)
  })
})
