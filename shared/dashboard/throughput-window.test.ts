import { describe, expect, it } from 'vitest'
import { ThroughputWindow } from './throughput-window.ts'

const at = (seconds: number, completed: number, failed = 0, calls = 0) => ({
  time: seconds * 1000,
  completed,
  failed,
  calls,
})

describe('ThroughputWindow', () => {
  it('has no rate from a single sample', () => {
    expect(new ThroughputWindow().add(at(0, 5))).toBeUndefined()
  })

  it('averages over what it has while younger than the window', () => {
    const w = new ThroughputWindow(60_000)
    w.add(at(0, 0))
    expect(w.add(at(10, 20, 5, 40))).toEqual({
      windowSeconds: 10,
      completedPerSecond: 2,
      failedPerSecond: 0.5,
      callsPerSecond: 4,
    })
  })

  it('averages over the last minute once older, from the newest sample a minute old', () => {
    const w = new ThroughputWindow(60_000)
    w.add(at(0, 0))
    w.add(at(30, 300))
    w.add(at(60, 600))
    w.add(at(90, 600))
    // Base is the sample at 30 s (the newest at least 60 s before 90 s): 300 tasks in 60 s.
    expect(w.add(at(90.001, 600))?.completedPerSecond).toBeCloseTo(300 / 60.001)
    expect(w.add(at(125, 600))).toMatchObject({ windowSeconds: 65, completedPerSecond: 0 })
  })

  it('counts a counter that went down as no progress, not a negative rate', () => {
    const w = new ThroughputWindow()
    w.add(at(0, 100))
    expect(w.add(at(10, 50))?.completedPerSecond).toBe(0)
  })

  it('has no rate from two samples taken at the same moment', () => {
    const w = new ThroughputWindow()
    w.add(at(10, 0))
    expect(w.add(at(10, 5))).toBeUndefined()
  })
})
