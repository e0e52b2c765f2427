import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { errorMeta, toolHarness } from './helpers.ts'

const h = toolHarness()
const { call, ok } = h

/** x = 1..10, y = 2x, z = -x, g = x mod 2, one reading every 30 min with a gap at 05:00; plus a row of nulls. */
function seriesCsv(): string {
  const lines = ['x,y,z,g,label,t']
  for (let x = 1; x <= 10; x++) {
    const minutes = (x - 1) * 30 + (x > 8 ? 60 : 0)
    const t = new Date(Date.UTC(2026, 0, 1, 0, minutes)).toISOString().replace('T', ' ').slice(0, 19)
    lines.push(`${x},${2 * x},${-x},${x % 2},item${x},${t}`)
  }
  lines.push(',,,,,')
  return lines.join('\n')
}

describe('analytics tools', () => {
  beforeAll(async () => {
    writeFileSync(join(h.relay.components.config.dataDir, 'files', 'series.csv'), seriesCsv())
    await ok('dataset_load', { name: 'series', source: { path: 'series.csv' } })
  })

  it('describes numeric and text columns', async () => {
    const out = await ok('analytics_describe', { name: 'series', columns: ['x', 'label'] })
    expect(out.rows).toBe(11)
    const [x, label] = out.columns
    expect(x).toMatchObject({ column: 'x', count: 10, nulls: 1, distinct: 10, min: 1, max: 10, mean: 5.5 })
    expect(x.std).toBeCloseTo(3.0276503540974917, 12)
    expect([x.q25, x.median, x.q75]).toEqual([3.25, 5.5, 7.75])
    expect(label).toMatchObject({
      column: 'label',
      type: 'VARCHAR',
      count: 10,
      nulls: 1,
      min: 'item1',
      max: 'item9',
    })
    expect(label.mean).toBeUndefined()
  })

  it('groups and aggregates', async () => {
    const out = await ok('analytics_group_by', {
      name: 'series',
      by: ['g'],
      aggregates: [{ fn: 'count' }, { fn: 'sum', column: 'x' }, { fn: 'mean', column: 'y', as: 'avg_y' }],
      orderBy: 'sum_x',
    })
    expect(out.rows).toEqual([
      { g: 0, count: 5, sum_x: 30, avg_y: 12 },
      { g: 1, count: 5, sum_x: 25, avg_y: 10 },
      { g: null, count: 1, sum_x: null, avg_y: null },
    ])
  })

  it('makes equal-width histograms', async () => {
    const out = await ok('analytics_histogram', { name: 'series', column: 'x', bins: 3 })
    expect(out.bins).toEqual([
      { from: 1, to: 4, count: 3 },
      { from: 4, to: 7, count: 3 },
      { from: 7, to: 10, count: 4 },
    ])
    expect(out.nulls).toBe(1)
    const bounded = await ok('analytics_histogram', { name: 'series', column: 'x', bins: 2, min: 0, max: 4 })
    expect(bounded.bins.map((b: any) => b.count)).toEqual([1, 3])
    expect(bounded.outside).toBe(6)
  })

  it('computes a correlation matrix', async () => {
    const out = await ok('analytics_correlation', { name: 'series' })
    expect(out.columns).toEqual(['x', 'y', 'z', 'g'])
    expect(out.matrix[0][1]).toBeCloseTo(1, 12)
    expect(out.matrix[0][2]).toBeCloseTo(-1, 12)
    expect(out.matrix[2][0]).toBeCloseTo(-1, 12)
    expect(out.matrix[3][3]).toBe(1)
  })

  it('resamples a time series, optionally filling empty buckets', async () => {
    const params = {
      name: 'series',
      timeColumn: 't',
      interval: '1 hour',
      aggregates: [{ fn: 'count' }, { fn: 'sum', column: 'x' }],
    }
    const out = await ok('analytics_resample', params)
    expect(out.rows.map((r: any) => [r.bucket.slice(11, 16), r.count, r.sum_x])).toEqual([
      ['00:00', 2, 3],
      ['01:00', 2, 7],
      ['02:00', 2, 11],
      ['03:00', 2, 15],
      ['05:00', 2, 19],
    ])
    const filled = await ok('analytics_resample', { ...params, fillEmpty: true })
    expect(filled.rows.map((r: any) => [r.bucket.slice(11, 16), r.count, r.sum_x])).toEqual([
      ['00:00', 2, 3],
      ['01:00', 2, 7],
      ['02:00', 2, 11],
      ['03:00', 2, 15],
      ['04:00', 0, null],
      ['05:00', 2, 19],
    ])
  })

  it('names unknown columns, non-numeric columns and bad intervals', async () => {
    expect(
      errorMeta(await call('analytics_describe', { name: 'series', columns: ['nope'] })).problems[0].param,
    ).toBe('columns')
    expect(
      errorMeta(await call('analytics_histogram', { name: 'series', column: 'label' })).problems[0].param,
    ).toBe('column')
    const bad = await call('analytics_resample', {
      name: 'series',
      timeColumn: 't',
      interval: "1 day'; DROP TABLE series; --",
      aggregates: [{ fn: 'count' }],
    })
    expect(errorMeta(bad).problems[0].param).toBe('interval')
    expect(
      errorMeta(await call('analytics_group_by', { name: 'series', by: ['g'], aggregates: [{ fn: 'sum' }] }))
        .code,
    ).toBe('INVALID_PARAMS')
    expect(errorMeta(await call('analytics_describe', { name: 'absent' })).code).toBe('NOT_FOUND')
  })
})
