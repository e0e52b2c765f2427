import { existsSync, mkdirSync, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { createComponents } from '../relay/components.ts'
import { configSchema } from '../relay/config/schema.ts'
import { LOCK_FILE } from '../relay/data-dir-lock.ts'
import { createLogger } from '../relay/log.ts'
import { startTestRelay } from './helpers.ts'

describe('relay lifecycle', () => {
  it('starts its parts in order: lock, the data disk reading, stores, threads, checkpoints, libp2p, workflows, retention, HTTP, MCP sessions', async () => {
    const relay = await startTestRelay()
    try {
      expect(relay.components.parts.map((p) => p.name)).toEqual([
        'data-dir-lock',
        'data-disk',
        'task-store',
        'cache',
        'peer-book',
        'audit-log',
        'datasets',
        'compute',
        'checkpointer',
        'libp2p',
        'workflows',
        'retention',
        'http-server',
        'mcp-sessions',
      ])
      expect(relay.components.p2p.node?.peerId).toBeDefined()
    } finally {
      await relay.close()
    }
    // Stopped: the libp2p accessor is empty, and the data directory is free.
    expect(relay.components.p2p.node).toBeUndefined()
    expect(existsSync(join(relay.components.config.dataDir, LOCK_FILE))).toBe(false)
  })

  it('a relay whose HTTP port is taken fails to start and releases its data directory', async () => {
    const first = await startTestRelay()
    const dataDir = mkdtempSync(join(tmpdir(), 'mcpp-lifecycle-'))
    try {
      await expect(startTestRelay({ port: first.port, dataDir })).rejects.toThrow(/EADDRINUSE/)
      // The parts started before the HTTP server were stopped: the lock is gone, and a
      // relay on the same data directory starts.
      expect(existsSync(join(dataDir, LOCK_FILE))).toBe(false)
      const again = await startTestRelay({ dataDir })
      await again.close()
    } finally {
      await first.close()
    }
  })

  it('refuses a second relay on a data directory in use, before opening anything in it', async () => {
    const first = await startTestRelay()
    try {
      await expect(startTestRelay({ dataDir: first.components.config.dataDir })).rejects.toThrow(
        /is in use by another relay/,
      )
      // The first relay still owns the directory and still serves.
      expect(existsSync(join(first.components.config.dataDir, LOCK_FILE))).toBe(true)
      expect((await fetch(`${first.url}/healthz`)).status).toBe(200)
    } finally {
      await first.close()
    }
  })

  // SQLite removes a WAL file when its last connection closes: one left behind is a
  // database the failed build left open.
  it('a relay whose build throws after the task queue opened closes the queue and the cache', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'mcpp-lifecycle-'))
    const config = configSchema.parse({ port: 0, p2pPort: 0, dataDir, logLevel: 'silent' })
    // Read while the tool categories are built, after the stores were opened.
    const failing = {
      log: createLogger('silent'),
      get media(): never {
        throw new Error('media binaries unreadable')
      },
    }
    expect(() => createComponents(config, failing)).toThrow(/media binaries unreadable/)
    expect(existsSync(join(dataDir, 'tasks.db'))).toBe(true)
    for (const file of ['tasks.db-wal', 'peers.db-wal', 'cache.db-wal'])
      expect(existsSync(join(dataDir, file)), file).toBe(false)
    expect(existsSync(join(dataDir, LOCK_FILE))).toBe(false)
  })

  it('a task queue whose peers.db cannot be opened closes tasks.db', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'mcpp-lifecycle-'))
    mkdirSync(join(dataDir, 'peers.db'))
    await expect(startTestRelay({ dataDir })).rejects.toThrow()
    expect(existsSync(join(dataDir, 'tasks.db'))).toBe(true)
    expect(existsSync(join(dataDir, 'tasks.db-wal'))).toBe(false)
    expect(existsSync(join(dataDir, LOCK_FILE))).toBe(false)
  })
})
