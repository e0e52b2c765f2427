import { existsSync, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { LOCK_FILE } from '../relay/data-dir-lock.ts'
import { startTestRelay } from './helpers.ts'

describe('relay lifecycle', () => {
  it('starts its parts in order: lock, stores, threads, libp2p, HTTP, MCP sessions', async () => {
    const relay = await startTestRelay()
    try {
      expect(relay.components.parts.map((p) => p.name)).toEqual([
        'data-dir-lock',
        'task-store',
        'cache',
        'audit-log',
        'datasets',
        'compute',
        'libp2p',
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
})
