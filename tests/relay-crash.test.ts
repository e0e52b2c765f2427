import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { TaskStore } from '../relay/task-queue/store/task-store.ts'
import { spawnNodeCompute } from '../worker/compute/node-compute.ts'
import { startWorker } from '../worker/core/start-worker.ts'
import { connectClient } from './helpers.ts'
import { exited, freePort, spawnRelay } from './relay-process.ts'

describe('a relay killed with kill -9 under load', () => {
  it('loses no acknowledged task and completes none twice after a restart', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'mcpp-crash-'))
    const p2pPort = String(await freePort())
    const args = ['--port', '0', '--p2p-port', p2pPort, '--data-dir', dataDir, '--log-level', 'warn']
    const first = await spawnRelay(args)
    const worker = await startWorker({
      relay: first.url,
      concurrency: 4,
      name: 'crash worker',
      spawnCompute: () => spawnNodeCompute(),
      reconnectBaseMs: 50,
    })
    const client = await connectClient(first.url)
    const acknowledged = new Map<string, number>()
    let n = 0
    // Submit batches until enough are acknowledged, then kill the relay mid-stream.
    const submitting = (async () => {
      for (;;) {
        const batch = Array.from({ length: 25 }, () => ({ kind: 'echo', input: { n: n++ } }))
        try {
          const result = await client.callTool({
            name: 'tools_dispatch',
            arguments: { tool: 'p2p_taskqueue_submit', params: { tasks: batch } },
          })
          const ids = (result.structuredContent as any).result.tasks.map((t: any) => t.id) as string[]
          for (const [i, id] of ids.entries()) acknowledged.set(id, batch[i]?.input.n as number)
        } catch {
          return // the relay is gone
        }
        if (acknowledged.size >= 500) first.child.kill('SIGKILL')
      }
    })()
    await submitting
    await exited(first.child)
    await client.close().catch(() => {})

    const second = await spawnRelay(args)
    const again = await connectClient(second.url)
    try {
      for (const id of acknowledged.keys()) {
        const result = await again.callTool({
          name: 'tools_dispatch',
          arguments: { tool: 'p2p_taskqueue_wait', params: { taskId: id, timeoutMs: 50_000 } },
        })
        const { task } = (result.structuredContent as any).result
        expect(task.state).toBe('succeeded')
        expect(task.output).toEqual({ n: acknowledged.get(id) })
      }
    } finally {
      await worker.stop({ drain: false })
      await again.close()
      second.child.kill('SIGTERM')
      await exited(second.child)
    }
    const store = new TaskStore(join(dataDir, 'tasks.db'))
    const counts = store.countsByState()
    store.close()
    // Every row is one submitted task: nothing was duplicated, nothing is left behind.
    expect(counts.succeeded).toBeGreaterThanOrEqual(acknowledged.size)
    expect(counts.queued + counts.leased + counts.running + counts.failed).toBe(0)
  })
})
