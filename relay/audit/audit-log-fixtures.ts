import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { AuditLog, type AuditLogOptions } from './audit-log.ts'

/** Shared by the audit log's tests (audit-log.test.ts, segment-sealer.test.ts). */
export const entry = (tool: string) => ({
  time: 1,
  tool,
  sessionId: null,
  identity: null,
  paramsDigest: 'd',
  outcome: 'ok',
  runtime: 'local',
  durationMs: 1,
})
export const DAY = 86_400_000
const opened: AuditLog[] = []
/** Stops the logs the last test opened (an afterEach of each test file). */
export function stopOpened(): void {
  for (const log of opened.splice(0)) log.stop()
}

export function openLog(dir: string, options: Partial<AuditLogOptions> = {}): AuditLog {
  const log = new AuditLog({
    dir: join(dir, 'audit'),
    legacyFile: join(dir, 'audit.db'),
    segmentMaxBytes: 16 * 1024 ** 2,
    segmentMaxEntries: 0,
    removal: { removeExportedAfterSeconds: 3600, maxSealedSegments: 0 },
    ...options,
  })
  log.start()
  opened.push(log)
  return log
}

/**
 * Appends `count` entries named tool-0001…, each flushed on its own, as the relay's
 * timer would, and waits for the seal a flush may start.
 */
export async function fill(log: AuditLog, from: number, count: number): Promise<void> {
  for (let i = from; i < from + count; i++) {
    log.append(entry(`tool-${String(i).padStart(4, '0')}`))
    log.flush()
    await log.sealed()
  }
}

export const tempDir = () => mkdtempSync(join(tmpdir(), 'mcpp-audit-'))
