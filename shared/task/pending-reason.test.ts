import { describe, expect, it } from 'vitest'
import { ANY } from '../trust/trust-policy.ts'
import { type PendingFacts, pendingReason, type WorkerLoad } from './pending-reason.ts'

const queued: PendingFacts['task'] = {
  kind: 'sha256',
  requires: [],
  state: 'queued',
  notBefore: 0,
  workerId: null,
  attempt: 0,
  maxAttempts: 3,
  trust: ANY,
  votes: [],
}

function worker(overrides: Partial<WorkerLoad> = {}): WorkerLoad {
  return {
    kinds: new Set(['sha256']),
    capabilities: new Set(),
    slots: 2,
    inFlight: 0,
    free: 2,
    draining: false,
    ...overrides,
  }
}

const reason = (task: Partial<PendingFacts['task']>, workers: WorkerLoad[], queuedAhead = 0) =>
  pendingReason({ task: { ...queued, ...task }, workers, queuedAhead, now: 1000 })

describe('pendingReason', () => {
  it('says no worker announces the kind', () => {
    expect(reason({}, [worker({ kinds: new Set(['echo']) })])).toBe(
      'no connected worker announces kind "sha256"',
    )
    expect(reason({}, [])).toMatch(/no worker is connected/)
  })

  it('names the capabilities no announcing worker has', () => {
    expect(reason({ requires: ['gpu'] }, [worker()])).toMatch(/has the capabilities it requires \(gpu\)/)
  })

  it('says every capable worker is busy, with their slots', () => {
    const busy = [worker({ inFlight: 2, free: 0 }), worker({ inFlight: 3, free: 0 })]
    expect(reason({}, busy)).toBe('all 2 capable workers are busy (4/4 slots)')
    expect(reason({}, [worker({ slots: 1, inFlight: 1, free: 0 })])).toBe(
      'the only capable worker is busy (1/1 slots)',
    )
  })

  it('says how many tasks run first', () => {
    expect(reason({}, [worker()], 12)).toBe('queued behind 12 tasks of kind "sha256"')
  })

  it('says a retry is waiting out its backoff', () => {
    expect(reason({ notBefore: 1500, attempt: 1 }, [worker()])).toMatch(
      /waiting 500 ms before attempt 2 of 3/,
    )
  })

  it('says where a running task runs', () => {
    expect(reason({ state: 'running', workerId: 'w/1', attempt: 1 }, [])).toBe(
      'running on worker w/1 (attempt 1 of 3)',
    )
  })

  it('says nothing for a finished task', () => {
    expect(reason({ state: 'succeeded' }, [])).toBeUndefined()
  })
})
