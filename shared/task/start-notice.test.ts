import { describe, expect, it } from 'vitest'
import { startNoticeDue, startSlackMs } from './start-notice.ts'

describe('start notices', () => {
  it('allow a tenth of the time limit, at least 20 ms, before the relay must hear', () => {
    expect(startSlackMs(60_000)).toBe(6_000)
    expect(startSlackMs(100)).toBe(20)
    expect(startNoticeDue(100, 60_000)).toBe(false)
    expect(startNoticeDue(6_001, 60_000)).toBe(true)
    expect(startNoticeDue(21, 100)).toBe(true)
  })
})
