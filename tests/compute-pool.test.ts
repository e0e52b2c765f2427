import { afterEach, describe, expect, it } from 'vitest'
import { ComputePool } from '../worker/compute/compute-pool.ts'
import { spawnNodeCompute } from '../worker/compute/node-compute.ts'
import { wasmModuleBase64 } from './fixtures/wasm-modules.ts'

let pool: ComputePool | undefined
afterEach(() => pool?.close())

describe('compute pool on worker threads', () => {
  it('runs tasks in separate threads and relays progress', async () => {
    pool = new ComputePool(() => spawnNodeCompute(), 2)
    const progress: number[] = []
    const texts = Array.from({ length: 200 }, (_, i) => `t${i}`)
    const [echo, embed] = await Promise.all([
      pool.run('echo', { hi: 1 }, { timeoutMs: 10_000 }),
      pool.run('embed', { texts, dimensions: 8 }, { timeoutMs: 10_000, onProgress: (p) => progress.push(p) }),
    ])
    expect(echo).toEqual({ ok: true, output: { hi: 1 } })
    expect(embed.ok).toBe(true)
    expect(progress).toEqual([64, 128, 192])
  })

  it('terminates a runaway wasm module at its time limit and keeps serving', async () => {
    pool = new ComputePool(() => spawnNodeCompute(), 1)
    const module = await wasmModuleBase64('loops')
    const outcome = await pool.run('wasm', { module, export: 'spin' }, { timeoutMs: 300 })
    expect(outcome).toMatchObject({ ok: false, error: { code: 'TIMEOUT' }, retryable: true })
    expect(await pool.run('echo', 'after', { timeoutMs: 10_000 })).toEqual({ ok: true, output: 'after' })
  })

  it('cancels a running task by terminating its context', async () => {
    pool = new ComputePool(() => spawnNodeCompute(), 1)
    const module = await wasmModuleBase64('loops')
    const controller = new AbortController()
    const running = pool.run(
      'wasm',
      { module, export: 'spin' },
      { timeoutMs: 60_000, signal: controller.signal },
    )
    controller.abort()
    expect(await running).toMatchObject({ ok: false, error: { code: 'CANCELLED' }, retryable: false })
    expect(await pool.run('echo', 1, { timeoutMs: 10_000 })).toEqual({ ok: true, output: 1 })
  })

  it('queues tasks beyond its size and runs them all', async () => {
    pool = new ComputePool(() => spawnNodeCompute(), 2)
    const outcomes = await Promise.all(
      Array.from({ length: 7 }, (_, i) => (pool as ComputePool).run('echo', i, { timeoutMs: 10_000 })),
    )
    expect(outcomes.map((o) => (o as { output: number }).output)).toEqual([0, 1, 2, 3, 4, 5, 6])
  })
})
