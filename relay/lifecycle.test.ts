import { describe, expect, it } from 'vitest'
import type { LifecyclePart } from '../shared/startable.ts'
import { Lifecycle } from './lifecycle.ts'

/** Fake parts that write what happens to them into one journal. */
function parts(names: string[], fail: { start?: string; stop?: string } = {}) {
  const journal: string[] = []
  const list: LifecyclePart[] = names.map((name) => ({
    name,
    start: async () => {
      await Promise.resolve()
      journal.push(`start ${name}`)
      if (fail.start === name) throw new Error(`${name} cannot start`)
    },
    stop: async () => {
      await Promise.resolve()
      journal.push(`stop ${name}`)
      if (fail.stop === name) throw new Error(`${name} cannot stop`)
    },
  }))
  return { journal, list }
}

function logger() {
  const lines: Array<{ level: string; message: string; data: Record<string, unknown> | undefined }> = []
  return {
    lines,
    debug: (message: string, data?: Record<string, unknown>) => lines.push({ level: 'debug', message, data }),
    error: (message: string, data?: Record<string, unknown>) => lines.push({ level: 'error', message, data }),
  }
}

describe('Lifecycle', () => {
  it('starts the parts in order and stops them in reverse order', async () => {
    const { journal, list } = parts(['lock', 'store', 'http'])
    const log = logger()
    const lifecycle = new Lifecycle(list, log)
    await lifecycle.start()
    await lifecycle.stop()
    expect(journal).toEqual([
      'start lock',
      'start store',
      'start http',
      'stop http',
      'stop store',
      'stop lock',
    ])
    expect(log.lines.filter((l) => l.message === 'stopped').map((l) => l.data?.part)).toEqual([
      'http',
      'store',
      'lock',
    ])
    expect(log.lines.every((l) => l.level === 'debug')).toBe(true)
  })

  it('stops the parts already started, and the failed one, in reverse when a start fails', async () => {
    const { journal, list } = parts(['lock', 'store', 'p2p', 'http'], { start: 'p2p' })
    const lifecycle = new Lifecycle(list, logger())
    await expect(lifecycle.start()).rejects.toThrow('p2p cannot start')
    expect(journal).toEqual(['start lock', 'start store', 'start p2p', 'stop p2p', 'stop store', 'stop lock'])
    // A stop after the failed start does not stop anything twice, nor the part never started.
    await lifecycle.stop()
    expect(journal).toHaveLength(6)
  })

  it('logs a part that fails to stop and still stops the others', async () => {
    const { journal, list } = parts(['lock', 'store', 'http'], { stop: 'store' })
    const log = logger()
    const lifecycle = new Lifecycle(list, log)
    await lifecycle.start()
    await lifecycle.stop()
    expect(journal.slice(3)).toEqual(['stop http', 'stop store', 'stop lock'])
    expect(log.lines).toContainEqual({
      level: 'error',
      message: 'a part failed to stop; stopping the others',
      data: { part: 'store', error: 'store cannot stop' },
    })
  })

  it('stops every part when it was built but never started, and only once however often stop is called', async () => {
    const { journal, list } = parts(['lock', 'store'])
    const lifecycle = new Lifecycle(list, logger())
    await Promise.all([lifecycle.stop(), lifecycle.stop()])
    await lifecycle.stop()
    expect(journal).toEqual(['stop store', 'stop lock'])
  })

  it('a stop asked for during start waits for the starting part, starts no later part, and stops the started ones', async () => {
    const journal: string[] = []
    let release!: () => void
    const held = new Promise<void>((resolve) => {
      release = resolve
    })
    let entered!: () => void
    const libp2pStarting = new Promise<void>((resolve) => {
      entered = resolve
    })
    const part = (name: string, start: () => Promise<void> = async () => {}): LifecyclePart => ({
      name,
      start: async () => {
        journal.push(`start ${name}`)
        await start()
      },
      stop: () => {
        journal.push(`stop ${name}`)
      },
    })
    const lifecycle = new Lifecycle(
      [
        part('lock'),
        part('libp2p', () => {
          entered()
          return held
        }),
        part('http'),
      ],
      logger(),
    )
    const starting = lifecycle.start()
    const startResult = starting.then(
      () => 'started',
      (err: { code?: string }) => err.code,
    )
    await libp2pStarting
    const stopping = lifecycle.stop()
    release()
    await stopping
    expect(await startResult).toBe('SHUTTING_DOWN')
    expect(journal).toEqual(['start lock', 'start libp2p', 'stop http', 'stop libp2p', 'stop lock'])
  })

  it('refuses two parts with one name (the logs would not say which one failed)', () => {
    const { list } = parts(['cache', 'cache'])
    expect(() => new Lifecycle(list, logger())).toThrow('two lifecycle parts are named cache')
  })

  it('reports each phase and part state: starting, running, stopping as soon as a stop is asked, stopped', async () => {
    const { list } = parts(['lock', 'store', 'http'])
    const lifecycle = new Lifecycle(list, logger())
    expect(lifecycle.phase).toBe('idle')
    const started = lifecycle.start()
    expect(lifecycle.phase).toBe('starting')
    expect(lifecycle.partStates()).toEqual([
      { name: 'lock', state: 'starting' },
      { name: 'store', state: 'idle' },
      { name: 'http', state: 'idle' },
    ])
    await started
    expect(lifecycle.phase).toBe('running')
    expect(lifecycle.partStates().every((p) => p.state === 'running')).toBe(true)
    const stopped = lifecycle.stop()
    expect(lifecycle.phase).toBe('stopping')
    await stopped
    expect(lifecycle.phase).toBe('stopped')
    expect(lifecycle.partStates().every((p) => p.state === 'stopped')).toBe(true)
  })

  it('is stopped, not running, after a start that failed', async () => {
    const { list } = parts(['lock', 'store', 'http'], { start: 'store' })
    const lifecycle = new Lifecycle(list, logger())
    await expect(lifecycle.start()).rejects.toThrow('store cannot start')
    expect(lifecycle.phase).toBe('stopped')
    expect(lifecycle.partStates().map((p) => p.state)).toEqual(['stopped', 'stopped', 'idle'])
  })
})
