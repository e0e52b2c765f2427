import { afterEach, describe, expect, it } from 'vitest'
import { ComputePool } from '../worker/compute/compute-pool.ts'
import { spawnNodeCompute } from '../worker/compute/node-compute.ts'
import { wasmModuleBase64 } from './fixtures/wasm-modules.ts'

let pool: ComputePool | undefined
afterEach(() => pool?.close())

describe('compute pool resized while running (the contribute page’s concurrency)', () => {
  it('starts new contexts at once and runs waiting tasks on them', async () => {
    pool = new ComputePool(() => spawnNodeCompute(), 1)
    const module = await wasmModuleBase64('loops')
    const started: number[] = []
    const spinning = [1, 2].map((i) =>
      (pool as ComputePool).run(
        'wasm',
        { module, export: 'spin' },
        { timeoutMs: 60_000, onStart: () => started.push(i), signal: AbortSignal.timeout(20_000) },
      ),
    )
    await expect.poll(() => started).toEqual([1])
    pool.resize(2)
    expect(pool.size).toBe(2)
    // The second spinning task can only start on the new context.
    await expect.poll(() => started).toEqual([1, 2])
    pool.close()
    expect((await Promise.all(spinning)).map((o) => o.ok)).toEqual([false, false])
  })

  it('lets surplus contexts finish what they hold, then retires them', async () => {
    pool = new ComputePool(() => spawnNodeCompute(), 3)
    const module = await wasmModuleBase64('busy')
    let started = 0
    const running = Array.from({ length: 3 }, () =>
      (pool as ComputePool).run(
        'wasm',
        { module, export: 'busy', args: [200_000_000] },
        { timeoutMs: 60_000, onStart: () => started++ },
      ),
    )
    await expect.poll(() => started).toBe(3)
    pool.resize(1)
    expect(pool.size).toBe(1)
    const outcomes = await Promise.all(running)
    expect(outcomes.every((o) => o.ok)).toBe(true)
    expect(await pool.run('echo', 'after', { timeoutMs: 10_000 })).toEqual({ ok: true, output: 'after' })
  })
})
