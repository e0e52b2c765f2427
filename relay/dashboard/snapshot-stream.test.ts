import { afterEach, describe, expect, it, vi } from 'vitest'
import type { DashboardSnapshot } from '../../shared/dashboard/snapshot-types.ts'
import { SnapshotStream } from './snapshot-stream.ts'

afterEach(() => {
  vi.useRealTimers()
})

function stream(maxStreams = 2) {
  let builds = 0
  const snapshots = new SnapshotStream({
    build: async () => ({ time: ++builds }) as unknown as DashboardSnapshot,
    intervalMs: 1000,
    maxStreams,
    now: () => Date.now(),
  })
  return { snapshots, builds: () => builds }
}

describe('SnapshotStream', () => {
  it('builds nothing for a client that does not read: a slow client skips snapshots', async () => {
    vi.useFakeTimers()
    const { snapshots, builds } = stream()
    const reader = (snapshots.open() as ReadableStream<Uint8Array>).getReader()
    const first = new TextDecoder().decode((await reader.read()).value)
    expect(first).toMatch(/^event: snapshot\ndata: \{"time":1\}\n\n$/)
    await vi.advanceTimersByTimeAsync(60_000)
    expect(builds()).toBe(1)
    // The next read gets a fresh snapshot, not one of the sixty it missed.
    const next = reader.read()
    await vi.advanceTimersByTimeAsync(1000)
    expect(new TextDecoder().decode((await next).value)).toContain('"time":2')
    await reader.cancel()
  })

  it('shares one snapshot between streams and frees a stream when it is cancelled', async () => {
    const { snapshots, builds } = stream(2)
    const a = (snapshots.open() as ReadableStream<Uint8Array>).getReader()
    const b = (snapshots.open() as ReadableStream<Uint8Array>).getReader()
    await Promise.all([a.read(), b.read()])
    expect(builds()).toBe(1)
    expect(snapshots.open()).toBeUndefined()
    await a.cancel()
    expect(snapshots.size).toBe(1)
    const c = snapshots.open()
    expect(c).toBeDefined()
    await b.cancel()
    await c?.cancel()
    expect(snapshots.size).toBe(0)
  })
})
