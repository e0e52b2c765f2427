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

  it('sends short tasks a few at a time, and reruns those behind a runaway elsewhere', async () => {
    const sent: number[] = []
    // Every task counts as short here, whatever this machine's speed.
    const tuning = { shortTaskMs: 60_000, shortTaskDepth: 4 }
    pool = new ComputePool(
      () => {
        const host = spawnNodeCompute()
        return {
          ...host,
          postMessage: (m) => {
            sent.push(m.tasks.length)
            host.postMessage(m)
          },
        }
      },
      1,
      tuning,
    )
    const run = (input: number) => (pool as ComputePool).run('echo', input, { timeoutMs: 10_000 })
    // Short tasks, once measured, travel to the context several per message.
    await run(0)
    sent.length = 0
    await Promise.all(Array.from({ length: 8 }, (_, i) => run(i)))
    expect(sent.length).toBeLessThan(8)
    expect(sent.reduce((a, b) => a + b, 0)).toBe(8)
    // A runaway at the head of a batch: it times out, the tasks behind it still finish.
    const module = await wasmModuleBase64('loops')
    const [spin, ...rest] = await Promise.all([
      (pool as ComputePool).run('wasm', { module, export: 'spin' }, { timeoutMs: 300 }),
      run(1),
      run(2),
      run(3),
    ])
    expect(spin).toMatchObject({ ok: false, error: { code: 'TIMEOUT' } })
    expect(rest).toEqual([1, 2, 3].map((output) => ({ ok: true, output })))
  })

  it('never queues short tasks behind a long one', async () => {
    pool = new ComputePool(() => spawnNodeCompute(), 2, { shortTaskMs: 60_000, shortTaskDepth: 16 })
    const p = pool
    await p.run('echo', 0, { timeoutMs: 10_000 })
    const module = await wasmModuleBase64('loops')
    let spinDone = false
    const spin = p.run('wasm', { module, export: 'spin' }, { timeoutMs: 60_000 }).then((o) => {
      spinDone = true
      return o
    })
    // The runaway holds one context; every echo finishes in the other while it spins.
    const echoes = await Promise.all(
      Array.from({ length: 20 }, (_, i) => p.run('echo', i, { timeoutMs: 10_000 })),
    )
    expect(echoes.map((o) => (o as { output: number }).output)).toEqual(
      Array.from({ length: 20 }, (_, i) => i),
    )
    expect(spinDone).toBe(false)
    p.close()
    expect(await spin).toMatchObject({ ok: false, error: { code: 'CANCELLED' } })
  })
})
