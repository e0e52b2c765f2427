import { describe, expect, it } from 'vitest'
import { type PartState, readiness } from './readiness.ts'

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
