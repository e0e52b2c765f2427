import { describe, expect, it } from 'vitest'
import type { RunTool } from './run-tool.ts'
import { ResourceSubscriptions, type SubscriptionSources } from './subscriptions.ts'
import type { Extra } from './tool-context.ts'

/** Task listeners that can be fired and counted, as TaskService.onFinished keeps them. */
function fakeSources() {
  const listeners = new Map<string, () => void>()
  const sources: SubscriptionSources = {
    tasks: {
      onFinished: (id, listener) => {
        listeners.set(id, () => listener({} as never))
        return () => listeners.delete(id)
      },
    },
    workflows: { wait: () => new Promise(() => {}) },
  }
  return { sources, listeners }
}

function setup(state = 'queued') {
  const sent: string[] = []
  const run: RunTool = async () => ({ state })
  const { sources, listeners } = fakeSources()
  return { subs: new ResourceSubscriptions((uri) => sent.push(uri), sources, run), listeners, sent }
}

const extra = {} as Extra

describe('ResourceSubscriptions', () => {
  it('removes every task listener when the session closes', async () => {
    const { subs, listeners } = setup()
    await subs.subscribe('mcpp://tasks/a', extra)
    await subs.subscribe('mcpp://tasks/b/result', extra)
    expect(listeners.size).toBe(2)
    subs.close()
    expect(listeners.size).toBe(0)
    expect(subs.size).toBe(0)
  })

  it('notifies once when the task ends and then forgets the subscription', async () => {
    const { subs, listeners, sent } = setup()
    await subs.subscribe('mcpp://tasks/a', extra)
    listeners.get('a')?.()
    expect(sent).toEqual(['mcpp://tasks/a'])
    expect(subs.size).toBe(0)
  })

  it('keeps no listener for a task that has already ended', async () => {
    const { subs, listeners } = setup('succeeded')
    await subs.subscribe('mcpp://tasks/a', extra)
    expect(listeners.size).toBe(0)
    expect(subs.size).toBe(0)
  })
})
