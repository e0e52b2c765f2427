import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { TaskStore } from '../relay/task-queue/store/task-store.ts'

const CHILD = join(import.meta.dirname, 'fixtures', 'task-store-child.ts')

let dir: string
let path: string
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'mcpp-task-crash-'))
  path = join(dir, 'tasks.db')
})
afterEach(() => rmSync(dir, { recursive: true, force: true }))

/**
 * Runs the child fixture, hands each stdout line to `onLine` until it returns true, then
 * kills the child with SIGKILL and waits until it is gone. Rejects if the child exits first.
 */
function runUntil(mode: 'submit' | 'complete', onLine: (line: string) => boolean): Promise<void> {
  const child: ChildProcess = spawn(
    process.execPath,
    ['--disable-warning=ExperimentalWarning', CHILD, path, mode],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  )
  let stderr = ''
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString()
  })
  return new Promise((resolve, reject) => {
    let killed = false
    child.on('exit', (code, signal) => {
      if (killed && signal === 'SIGKILL') resolve()
      else reject(new Error(`child exited early (code ${code}, signal ${signal}): ${stderr}`))
    })
    // Lines already buffered when the child dies are still delivered: each was printed after its commit.
    createInterface({ input: child.stdout! }).on('line', (line) => {
      if (!killed && onLine(line)) {
        killed = true
        child.kill('SIGKILL')
      }
    })
  })
}

describe('the task store under kill -9', () => {
  it('keeps every acknowledged submission, and idempotency keys still hold after the crash', async () => {
    const acknowledged = new Map<number, string>()
    await runUntil('submit', (line) => {
      const [n, id] = line.split(' ')
      acknowledged.set(Number(n), id!)
      return acknowledged.size >= 200
    })
    expect(acknowledged.size).toBeGreaterThanOrEqual(200)
    const store = new TaskStore(path)
    try {
      const found = store.getMany([...acknowledged.values()])
      expect(found).toHaveLength(acknowledged.size)
      for (const task of found) expect(task).toMatchObject({ state: 'queued', kind: 'echo', attempt: 0 })
      for (const [n, id] of acknowledged) expect(store.get(id)?.input).toEqual({ n })
      // Submitting the acknowledged keys again creates nothing.
      const again = store.submit(
        [...acknowledged.keys()].map((n) => ({ kind: 'echo', idempotencyKey: `k-${n}` })),
      )
      expect(again.every((r) => !r.created)).toBe(true)
      expect(again.map((r) => r.task.id)).toEqual([...acknowledged.values()])
    } finally {
      store.close()
    }
  })

  it('keeps completed tasks succeeded exactly once, and rejects the dead process’s leases', async () => {
    const seed = new TaskStore(path)
    const ids = seed
      .submit(Array.from({ length: 400 }, (_, n) => ({ kind: 'echo', input: { n } })))
      .map((r) => r.task.id)
    seed.close()

    const done = new Set<string>()
    const tokens = new Map<string, number>()
    const unexpected: string[] = []
    await runUntil('complete', (line) => {
      const [what, id, token] = line.split(' ')
      if (what === 'leased') tokens.set(id!, Number(token))
      else if (what === 'done') done.add(id!)
      else unexpected.push(line)
      return done.size >= 100
    })
    expect(unexpected).toEqual([])

    const store = new TaskStore(path)
    try {
      // What a restarting relay does: leases of the dead process go back to the queue.
      const released = store.releaseAll({ code: 'RELAY_RESTARTED', message: 'restart' })
      for (const task of released) {
        expect(done.has(task.id)).toBe(false)
        expect(task.state).toBe('queued')
        // The child may have died between a lease's commit and printing it.
        const token = tokens.get(task.id)
        if (token !== undefined) {
          expect(store.complete(task.id, token, { output: 'late' })).toEqual({
            ok: false,
            reason: 'stale_token',
          })
        }
      }
      for (const id of done) {
        expect(store.get(id)).toMatchObject({ state: 'succeeded', output: { by: 'child' }, attempt: 1 })
        expect(store.complete(id, tokens.get(id)!, { output: 'again' })).toEqual({
          ok: false,
          reason: 'not_active',
        })
      }
      // Finish the rest; no acknowledged task is leased again.
      for (;;) {
        const leased = store.leaseNext({
          workerId: 'after',
          kinds: ['echo'],
          capabilities: [],
          limit: 64,
          leaseMs: 1000,
        })
        if (leased.length === 0) break
        for (const task of leased) expect(done.has(task.id)).toBe(false)
        const settled = store.settleMany(
          leased.map((t) => ({ id: t.id, token: t.leaseToken!, ok: true as const, output: { by: 'test' } })),
        )
        expect(settled.every((s) => s.ok)).toBe(true)
      }
      expect(store.countsByState()).toMatchObject({ succeeded: ids.length, queued: 0, leased: 0, running: 0 })
      expect(store.list({ limit: 1 }).total).toBe(ids.length)
      const byChild = store.getMany(ids).filter((t) => (t.output as { by: string }).by === 'child')
      expect(byChild.length).toBeGreaterThanOrEqual(done.size)
      for (const id of done) expect(byChild.some((t) => t.id === id)).toBe(true)
    } finally {
      store.close()
    }
  })
})
