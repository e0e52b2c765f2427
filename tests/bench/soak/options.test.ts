import { describe, expect, it } from 'vitest'
import { NO_RETENTION_ENV, soakOptions } from './options.ts'

const defaults = {
  'soak-sample-seconds': '5',
  'soak-task-rate': '20',
  'soak-large-task-rate': '0.2',
  'soak-tool-rate': '20',
  'soak-query-rate': '2',
  'soak-ipfs-rate': '2',
}

describe('soakOptions', () => {
  it('warms up for 30 s or a tenth of the run, whichever is longer', () => {
    expect(soakOptions({ ...defaults, soak: '90' }, {}).warmupSeconds).toBe(30)
    expect(soakOptions({ ...defaults, soak: '1800' }, {}).warmupSeconds).toBe(180)
    expect(soakOptions({ ...defaults, soak: '600', 'soak-warmup': '0' }, {}).warmupSeconds).toBe(0)
  })

  it('refuses a run that leaves no whole minute after the warm-up', () => {
    expect(() => soakOptions({ ...defaults, soak: '89' }, {})).toThrow(/at least one whole minute/)
    expect(() => soakOptions({ ...defaults, soak: 'ten' }, {})).toThrow(/--soak must be a number/)
  })

  it('reads every rate from its flag, and refuses a negative one', () => {
    const options = soakOptions(
      { ...defaults, soak: '600', 'soak-tool-rate': '50', 'soak-ipfs-rate': '0' },
      {},
    )
    expect(options.rates).toEqual({ tasks: 20, largeTasks: 0.2, tools: 50, queries: 2, ipfs: 0 })
    expect(() => soakOptions({ ...defaults, soak: '600', 'soak-task-rate': '-1' }, {})).toThrow(
      /--soak-task-rate/,
    )
  })

  it('runs with retention unless the dev escape hatch is set', () => {
    expect(soakOptions({ ...defaults, soak: '600' }, {}).retention).toBe(true)
    expect(soakOptions({ ...defaults, soak: '600' }, { [NO_RETENTION_ENV]: '1' }).retention).toBe(false)
  })
})
