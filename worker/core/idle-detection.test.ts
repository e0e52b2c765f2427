import { describe, expect, it } from 'vitest'
import {
  type CpuSample,
  type IdlePolicy,
  type IdleState,
  INITIAL_IDLE_STATE,
  observeCpu,
  othersPercent,
} from './idle-detection.ts'

/** A 2-core machine sampled every second: `others` and `own` are percent of both cores. */
function samples(intervals: Array<{ others: number; own?: number }>): CpuSample[] {
  const out: CpuSample[] = [{ atMs: 0, idleMs: 0, totalMs: 0, ownMs: 0 }]
  for (const { others, own = 0 } of intervals) {
    const prev = out.at(-1) as CpuSample
    const total = 2_000
    const busy = ((others + own) / 100) * total
    out.push({
      atMs: prev.atMs + 1_000,
      idleMs: prev.idleMs + total - busy,
      totalMs: prev.totalMs + total,
      ownMs: prev.ownMs + (own / 100) * total,
    })
  }
  return out
}

const policy: IdlePolicy = { busyAbovePercent: 20, resumeAfterMs: 3_000 }

/** The idle decision after each sample. */
function decisions(intervals: Array<{ others: number; own?: number }>): Array<boolean | undefined> {
  let state: IdleState = INITIAL_IDLE_STATE
  return samples(intervals).map((s) => {
    state = observeCpu(state, s, policy)
    return state.idle
  })
}

describe('othersPercent', () => {
  it('is the busy share of all cores less this process’s own use', () => {
    const [a, b] = samples([{ others: 30, own: 50 }]) as [CpuSample, CpuSample]
    expect(othersPercent(a, b)).toBeCloseTo(30)
  })

  it('stays within 0–100 when counters of different resolution disagree', () => {
    const a = { atMs: 0, idleMs: 0, totalMs: 0, ownMs: 0 }
    expect(othersPercent(a, { atMs: 1, idleMs: 900, totalMs: 1_000, ownMs: 300 })).toBe(0)
    expect(othersPercent(a, { atMs: 1, idleMs: 0, totalMs: 0, ownMs: 0 })).toBe(0)
  })
})

describe('observeCpu (idle detection with hysteresis)', () => {
  it('knows nothing from one sample, then calls a quiet machine idle', () => {
    expect(decisions([{ others: 5 }])).toEqual([undefined, true])
  })

  it('is not fooled by the worker’s own compute: all cores busy with it is still idle', () => {
    expect(
      decisions([
        { others: 2, own: 98 },
        { others: 0, own: 100 },
      ]),
    ).toEqual([undefined, true, true])
  })

  it('turns busy as soon as other processes pass the threshold', () => {
    expect(decisions([{ others: 5 }, { others: 45 }])).toEqual([undefined, true, false])
  })

  it('resumes only after the calm lasted resumeAfterMs, and a spike restarts that wait', () => {
    const seen = decisions([
      { others: 50 }, // busy
      { others: 5 },
      { others: 5 },
      { others: 40 }, // spike: the calm starts over
      { others: 5 },
      { others: 5 },
      { others: 5 }, // 3 s calm
    ])
    expect(seen).toEqual([undefined, false, false, false, false, false, false, true])
  })

  it('does not flap around the threshold: busy stays busy until well below it', () => {
    // 18 % is under the 20 % threshold but above its three quarters (15 %).
    const seen = decisions([{ others: 30 }, { others: 18 }, { others: 18 }, { others: 18 }, { others: 18 }])
    expect(seen).toEqual([undefined, false, false, false, false, false])
    // And while idle, the same 18 % does not pause it.
    expect(decisions([{ others: 0 }, { others: 18 }, { others: 19 }])).toEqual([undefined, true, true, true])
  })
})
