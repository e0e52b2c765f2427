import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { diskBytes, metricTotal, metricValue } from './samples.ts'

describe('metricValue', () => {
  const text = [
    '# HELP mcpp_process_resident_memory_bytes Resident memory size in bytes.',
    '# TYPE mcpp_process_resident_memory_bytes gauge',
    'mcpp_process_resident_memory_bytes 146661376',
    'mcpp_nodejs_heap_size_used_bytes_total 1',
    'mcpp_nodejs_heap_size_used_bytes 43663840',
  ].join('\n')

  it('reads an unlabelled metric by its exact name', () => {
    expect(metricValue(text, 'mcpp_process_resident_memory_bytes')).toBe(146661376)
    expect(metricValue(text, 'mcpp_nodejs_heap_size_used_bytes')).toBe(43663840)
  })

  it('fails on a metric that is not there rather than reading zero', () => {
    expect(() => metricValue(text, 'process_resident_memory_bytes')).toThrow(
      /no process_resident_memory_bytes/,
    )
  })
})

describe('metricTotal', () => {
  const text = [
    '# HELP mcpp_retention_rows_removed_total Rows retention removed',
    'mcpp_retention_rows_removed_total{store="tasks"} 1200',
    'mcpp_retention_rows_removed_total{store="workflows"} 7',
    'mcpp_retention_blocks_removed_total 12',
  ].join('\n')

  it('sums a counter over the label sets that match', () => {
    expect(metricTotal(text, 'mcpp_retention_rows_removed_total', 'store="tasks"')).toBe(1200)
    expect(metricTotal(text, 'mcpp_retention_rows_removed_total')).toBe(1207)
    expect(metricTotal(text, 'mcpp_retention_blocks_removed_total')).toBe(12)
  })

  it('says a relay without the counter has none, rather than zero', () => {
    expect(metricTotal(text, 'mcpp_retention_sweeps_total')).toBeUndefined()
  })
})

describe('diskBytes', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mcpp-soak-du-'))
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it('adds up what every file under a folder takes on disk, nested folders included', async () => {
    mkdirSync(join(dir, 'a', 'b'), { recursive: true })
    writeFileSync(join(dir, 'a', 'one'), Buffer.alloc(10_000, 1))
    writeFileSync(join(dir, 'a', 'b', 'two'), Buffer.alloc(20_000, 1))
    const one = await diskBytes(join(dir, 'a', 'one'))
    const two = await diskBytes(join(dir, 'a', 'b', 'two'))
    expect(one).toBeGreaterThanOrEqual(10_000)
    expect(two).toBeGreaterThanOrEqual(20_000)
    expect(await diskBytes(dir)).toBeGreaterThanOrEqual(one + two)
  })

  it('counts a missing path as empty', async () => {
    expect(await diskBytes(join(dir, 'absent'))).toBe(0)
  })
})
