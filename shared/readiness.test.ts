import { describe, expect, it } from 'vitest'
import { diskCheck, type PartState, readiness } from './readiness.ts'

const parts = (states: Record<string, PartState>) =>
  Object.entries(states).map(([name, state]) => ({ name, state }))

describe('readiness', () => {
  it('is ready when the lifecycle runs, every part runs and libp2p listens', () => {
    const r = readiness({
      phase: 'running',
      parts: parts({ cache: 'running', libp2p: 'running' }),
      p2p: { listening: 2 },
    })
    expect(r).toEqual({
      ready: true,
      failing: [],
      checks: {
        lifecycle: { status: 'ok' },
        cache: { status: 'ok' },
        libp2p: { status: 'ok' },
        'libp2p-listening': { status: 'ok' },
      },
    })
  })

  it('names a closed store as failing', () => {
    const r = readiness({
      phase: 'running',
      parts: parts({ cache: 'stopped', audit: 'running' }),
      p2p: 'disabled',
    })
    expect(r.ready).toBe(false)
    expect(r.failing).toEqual(['cache'])
    expect(r.checks.cache).toEqual({ status: 'failing', detail: 'stopped' })
  })

  it('is not ready once a stop has begun, though every part still runs', () => {
    const r = readiness({ phase: 'stopping', parts: parts({ cache: 'running' }), p2p: { listening: 1 } })
    expect(r.failing).toEqual(['lifecycle'])
    expect(r.checks.lifecycle).toEqual({ status: 'failing', detail: 'stopping: a graceful stop has begun' })
  })

  it('is not ready while the node listens on no address', () => {
    const r = readiness({ phase: 'running', parts: parts({ libp2p: 'running' }), p2p: { listening: 0 } })
    expect(r.failing).toEqual(['libp2p-listening'])
  })

  it('counts disabled P2P as disabled, not failing', () => {
    const r = readiness({ phase: 'running', parts: [], p2p: 'disabled' })
    expect(r.ready).toBe(true)
    expect(r.checks['libp2p-listening']).toMatchObject({ status: 'disabled' })
  })
})

describe('the free-space floor', () => {
  const running = { phase: 'running' as const, parts: [], p2p: 'disabled' as const }

  it('is not ready below the floor, and says how much is free against which setting', () => {
    const r = readiness({ ...running, disk: { freeBytes: 1_000, minFreeBytes: 4_096 } })
    expect(r.ready).toBe(false)
    expect(r.failing).toEqual(['data-disk-free'])
    expect(r.checks['data-disk-free']).toEqual({
      status: 'failing',
      detail: 'the data filesystem has 1000 bytes free, below the floor of 4096 (storage.minFreeBytes)',
    })
  })

  it('is ready at or above the floor', () => {
    expect(diskCheck({ freeBytes: 4_096, minFreeBytes: 4_096 })).toEqual({ status: 'ok' })
    expect(readiness({ ...running, disk: { freeBytes: 10_000, minFreeBytes: 4_096 } }).ready).toBe(true)
  })

  it('reports a floor of 0 as disabled, whatever is free', () => {
    const r = readiness({ ...running, disk: { freeBytes: 0, minFreeBytes: 0 } })
    expect(r.ready).toBe(true)
    expect(r.checks['data-disk-free']).toMatchObject({ status: 'disabled' })
  })

  it('is not ready while the free space is unknown, and says why', () => {
    expect(diskCheck({ freeBytes: undefined, minFreeBytes: 1, unknownReason: 'EACCES' })).toEqual({
      status: 'failing',
      detail: 'free space on the data filesystem is not known: EACCES',
    })
  })
})
