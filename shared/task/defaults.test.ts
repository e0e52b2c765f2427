import { describe, expect, it } from 'vitest'
import * as d from './defaults.ts'

describe('queue defaults', () => {
  it('are consistent with each other', () => {
    expect(d.DEFAULT_PRIORITY).toBe(0)
    expect(d.MIN_PRIORITY).toBe(-d.MAX_PRIORITY)
    expect(d.DEFAULT_TASK_TIMEOUT_MS).toBeLessThanOrEqual(d.MAX_TASK_TIMEOUT_MS)
    expect(d.DEFAULT_HEARTBEAT_MS).toBeLessThan(d.DEFAULT_LEASE_MS)
    expect(d.RETRY_BASE_MS).toBeLessThan(d.RETRY_MAX_MS)
    expect(d.DEFAULT_MAX_ATTEMPTS).toBeGreaterThanOrEqual(1)
    expect(d.MAX_BATCH).toBe(10_000)
    expect(d.DEFAULT_WAIT_MS).toBeLessThanOrEqual(d.MAX_WAIT_MS)
  })

  it('answer a wait before an MCP client gives up on the request (60 s by default)', () => {
    expect(d.MAX_WAIT_MS).toBeLessThanOrEqual(50_000)
  })
})
