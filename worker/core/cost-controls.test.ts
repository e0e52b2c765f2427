import { describe, expect, it } from 'vitest'
import { DEFAULT_COST_SETTINGS, pauseReasons, readCostSettings, restAfter } from './cost-controls.ts'

describe('cost settings', () => {
  it('reads stored settings and bounds every value', () => {
    expect(readCostSettings(JSON.stringify({ concurrency: 99, cpuCap: 2, onlyVisible: true }))).toEqual({
      concurrency: 16,
      cpuCap: 10,
      onlyVisible: true,
      onlyIdle: false,
    })
  })

  it('falls back to the defaults for missing or unreadable storage', () => {
    expect(readCostSettings(null)).toEqual(DEFAULT_COST_SETTINGS)
    expect(readCostSettings('{not json')).toEqual(DEFAULT_COST_SETTINGS)
    expect(readCostSettings(JSON.stringify({ concurrency: 'lots' })).concurrency).toBe(2)
  })
})

describe('pauseReasons', () => {
  const all = { ...DEFAULT_COST_SETTINGS, onlyVisible: true, onlyIdle: true }
  it('pauses a hidden tab only when asked to', () => {
    expect(pauseReasons(all, { visible: false, idle: true })).toEqual(['this tab is hidden'])
    expect(pauseReasons(DEFAULT_COST_SETTINGS, { visible: false, idle: false })).toEqual([])
  })

  it('pauses while the machine is in use, and gives every reason', () => {
    expect(pauseReasons(all, { visible: false, idle: false })).toHaveLength(2)
    expect(pauseReasons(all, { visible: true, idle: true })).toEqual([])
  })
})

describe('restAfter (duty cycle)', () => {
  it('rests as long as it computed at 50 %, three times as long at 25 %, never at 100 %', () => {
    expect(restAfter(40, 50)).toBe(40)
    expect(restAfter(40, 25)).toBe(120)
    expect(restAfter(40, 100)).toBe(0)
  })
})
