import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DatabaseSync } from 'node:sqlite'
import { describe, expect, it } from 'vitest'
import { AuditLog } from './audit-log.ts'

const entry = (tool: string) => ({
  time: 1,
  tool,
  sessionId: null,
  identity: null,
  paramsDigest: 'd',
  outcome: 'ok',
  runtime: 'local',
  durationMs: 1,
})

describe('AuditLog', () => {
  it('continues the chain after reopening and detects a removed entry', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'mcpp-audit-')), 'audit.db')
    const first = new AuditLog(path)
    first.start()
    first.append(entry('a'))
    const second = first.append(entry('b'))
    first.stop()
    const again = new AuditLog(path)
    again.start()
    const third = again.append(entry('c'))
    expect(third).toMatchObject({ seq: 3, prevHash: second?.hash })
    expect(again.verify()).toEqual({ ok: true, checked: 3 })
    again.stop()
    const db = new DatabaseSync(path)
    db.exec('DROP TRIGGER audit_no_delete; DELETE FROM audit WHERE seq = 2')
    db.close()
    const checked = new AuditLog(path)
    checked.start()
    expect(checked.verify()).toMatchObject({ ok: false, brokenAt: 3, problem: 'entry 2 is missing' })
    checked.stop()
  })
})
