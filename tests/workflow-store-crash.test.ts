import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { TaskStore } from '../relay/task-queue/store/task-store.ts'
import type { ItemRecord } from '../relay/task-queue/store/workflow-row.ts'
import type { TaskRecord } from '../shared/task/types.ts'

const CHILD = join(import.meta.dirname, 'fixtures', 'workflow-store-child.ts')
const ITEMS = 3000

let dir: string
let path: string
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'mcpp-workflow-crash-'))
  path = join(dir, 'tasks.db')
})
afterEach(() => rmSync(dir, { recursive: true, force: true }))

/** Runs the child until `onLine` returns true, then kills it with SIGKILL; rejects if it exits first. */
function runUntil(workflowId: string, onLine: (line: string) => boolean): Promise<void> {
  const child: ChildProcess = spawn(
    process.execPath,
    ['--disable-warning=ExperimentalWarning', CHILD, path, workflowId],
    { stdio: ['ignore', 'pipe', 'pipe'] },
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
    createInterface({ input: child.stdout! }).on('line', (line) => {
      if (!killed && onLine(line)) {
        killed = true
        child.kill('SIGKILL')
      }
    })
  })
}

/** Every item agrees with its task: no settled task without its item's update, and no item update without it. */
function expectConsistent(items: ItemRecord[], tasks: Map<string, TaskRecord>): void {
  for (const item of items) {
    if (item.taskId === null) {
      expect(item).toMatchObject({ state: 'pending', attempt: 0 })
      continue
    }
    const task = tasks.get(item.taskId)
    expect(task, `item ${item.index} names a task that was never committed`).toBeDefined()
    const expected =
      task!.state === 'succeeded'
        ? 'succeeded'
        : task!.state === 'failed'
          ? item.attempt < 2
            ? 'pending'
            : 'failed'
          : task!.state === 'cancelled'
            ? 'cancelled'
            : 'running'
    expect(item.state, `item ${item.index} (task ${task!.state})`).toBe(expected)
    if (task!.state === 'succeeded') expect(item.output).toEqual(task!.output)
    if (task!.state === 'failed') expect(item.error).toEqual(task!.error)
  }
}

describe('the workflow store under kill -9', () => {
  it('commits each task settlement together with its map item, and fences the dead process’s results', async () => {
    const seed = new TaskStore(path)
    const { workflow } = seed.workflows.insert({
      spec: {
        steps: [{ id: 'embed', type: 'map', over: { $ref: 'x' }, do: { type: 'task', kind: 'echo' } }],
      },
      steps: [{ id: 'embed', type: 'map', maxAttempts: 2 }],
    })
    seed.workflows.attempts.startStep(workflow.id, 'embed', 1)
    seed.workflows.attempts.addItems(workflow.id, 'embed', ITEMS)
    seed.close()

    const settled = new Set<string>()
    const started = new Map<string, number>()
    const tokens = new Map<string, number>()
    const unexpected: string[] = []
    await runUntil(workflow.id, (line) => {
      const [what, a, b, c] = line.split(' ')
      if (what === 'started') started.set(c!, Number(a))
      else if (what === 'leased') tokens.set(a!, Number(b))
      else if (what === 'settled') settled.add(a!)
      else unexpected.push(line)
      return settled.size >= 400
    })
    expect(unexpected).toEqual([])

    const store = new TaskStore(path)
    try {
      const attempts = store.workflows.attempts
      const read = () => {
        const items = attempts.items(workflow.id, 'embed', 0, ITEMS)
        const all = store.list({ limit: ITEMS * 2 }).tasks
        return { items, tasks: new Map(all.map((t) => [t.id, t])) }
      }
      // As the dead process left the file.
      const before = read()
      expect(before.items).toHaveLength(ITEMS)
      expectConsistent(before.items, before.tasks)
      // Every task is the attempt of an item it was started for (both in one transaction):
      // the item's current attempt, or an earlier one that failed.
      for (const task of before.tasks.values()) {
        const { index, attempt } = task.input as { index: number; attempt: number }
        const item = before.items[index]!
        if (item.attempt === attempt) expect(item.taskId).toBe(task.id)
        else expect([item.attempt > attempt, task.state]).toEqual([true, 'failed'])
      }
      for (const id of settled) expect(['succeeded', 'failed']).toContain(before.tasks.get(id)!.state)
      for (const [id, index] of started)
        expect((before.tasks.get(id)!.input as { index: number }).index).toBe(index)
      const failedFirst = [...before.tasks.values()].filter((t) => t.state === 'failed')
      expect(failedFirst.length).toBeGreaterThan(0)

      // What a restarting relay does: the dead process's leases are released (maxAttempts 1:
      // they fail RELAY_RESTARTED) and their items go back to pending for the next attempt.
      const released = store.releaseAll({ code: 'RELAY_RESTARTED', message: 'restart' })
      const after = read()
      expectConsistent(after.items, after.tasks)
      for (const task of released) {
        expect(task.state).toBe('failed')
        const item = after.items[store.workflows.ownerOfTask(task.id)!.index!]!
        expect(item).toMatchObject({ state: item.attempt < 2 ? 'pending' : 'failed', taskId: task.id })
        // The dead process's late result is refused, and its item stays as it is.
        const token = tokens.get(task.id)
        if (token !== undefined) {
          expect(store.complete(task.id, token, { output: 'late' })).toEqual({
            ok: false,
            reason: 'not_active',
          })
        }
      }
      expect(attempts.items(workflow.id, 'embed', 0, ITEMS)).toEqual(after.items)
      const counts = attempts.itemCounts(workflow.id, 'embed')
      expect(counts.running).toBe(0)
      expect(counts.succeeded).toBe([...after.tasks.values()].filter((t) => t.state === 'succeeded').length)
    } finally {
      store.close()
    }
  })
})
