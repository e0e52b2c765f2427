import { describe, expect, it } from 'vitest'
import type { WorkerStats } from '../../shared/task/worker-stats.ts'
import { MAX_REPORTED_WORKERS, MAX_WORKER_REPORT_BYTES } from '../../shared/wire/announce-messages.ts'
import { workerReport } from './activity-report.ts'

const stats = (workerId: string, inFlight: number, done: number, name = 'node'): WorkerStats => ({
  workerId,
  peerId: `peer-${workerId}`,
  name,
  kinds: ['echo'],
  capabilities: [],
  concurrency: 4,
  slots: 2,
  meanTaskMs: null,
  connected: true,
  draining: false,
  inFlight,
  done,
  failed: 0,
  meanMs: null,
  connectedAt: 0,
  lastSeen: 0,
})

describe('workerReport', () => {
  it('lists the busiest workers first with their connection type, and counts them all', () => {
    const report = workerReport(
      [stats('idle', 0, 1), stats('busy', 3, 0), stats('done', 0, 9)],
      new Map([['peer-busy', '/ip4/127.0.0.1/tcp/1/ws/p2p/x']]),
    )
    expect(report.total).toBe(3)
    expect(report.listed.map((w) => w.workerId)).toEqual(['busy', 'done', 'idle'])
    expect(report.listed[0]?.connection).toBe('websocket')
    expect(report.listed[1]?.connection).toBe('unknown')
  })

  it(`lists at most ${MAX_REPORTED_WORKERS} and trims names to the wire's bounds`, () => {
    const all = Array.from({ length: 100 }, (_, i) => stats(`w${i}`, 0, i, 'n'.repeat(200)))
    const report = workerReport(all, new Map())
    expect(report.total).toBe(100)
    expect(report.listed).toHaveLength(MAX_REPORTED_WORKERS)
    expect(report.listed.every((w) => w.name.length === 64)).toBe(true)
  })

  it('keeps the list within its byte budget when names take three bytes a character', () => {
    const wide = '€'.repeat(64)
    const all = Array.from({ length: 100 }, (_, i) => ({
      ...stats(`w${i}`.padEnd(128, '€'), 0, i, wide),
      peerId: 'p'.padEnd(128, '€'),
      kinds: Array.from({ length: 8 }, (_, k) => `${k}`.padEnd(64, '€')),
      capabilities: Array.from({ length: 8 }, (_, k) => `${k}`.padEnd(64, '€')),
    }))
    const report = workerReport(all, new Map())
    expect(report.listed.length).toBeGreaterThan(0)
    expect(report.listed.length).toBeLessThan(MAX_REPORTED_WORKERS)
    expect(new TextEncoder().encode(JSON.stringify(report.listed)).length).toBeLessThanOrEqual(
      MAX_WORKER_REPORT_BYTES,
    )
  })
})
