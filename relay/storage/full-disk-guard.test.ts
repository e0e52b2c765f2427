import { writeFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import type { Logger } from '../log.ts'
import { FullDiskGuard } from './full-disk-guard.ts'

/** A real ENOSPC: Linux's /dev/full refuses every write with it. */
function writeToFullDisk(): void {
  writeFileSync('/dev/full', 'x')
}

function recordingLog(): {
  log: Logger
  warnings: Array<{ message: string; data?: Record<string, unknown> | undefined }>
} {
  const warnings: Array<{ message: string; data?: Record<string, unknown> | undefined }> = []
  const ignore = () => {}
  return {
    log: {
      debug: ignore,
      info: ignore,
      error: ignore,
      warn: (message, data) => void warnings.push({ message, data }),
    },
    warnings,
  }
}

describe('FullDiskGuard', { skip: process.platform !== 'linux' }, () => {
  it('lets a step fail alone on a full disk, with a warning naming the step', () => {
    const { log, warnings } = recordingLog()
    const guard = new FullDiskGuard(log)
    expect(() => guard.run('a task queue round', writeToFullDisk)).not.toThrow()
    expect(warnings).toHaveLength(1)
    expect(warnings[0]?.message).toBe('a task queue round skipped: the data disk is full; it is tried again')
    expect(String(warnings[0]?.data?.error)).toMatch(/ENOSPC/)
  })

  it('passes any other error through', () => {
    const guard = new FullDiskGuard(recordingLog().log)
    expect(() =>
      guard.run('a step', () => {
        throw new Error('a bug')
      }),
    ).toThrow('a bug')
  })

  it('warns once per step every 10 s, then says how many were skipped meanwhile', () => {
    const { log, warnings } = recordingLog()
    let now = 0
    const guard = new FullDiskGuard(log, () => now)
    for (let i = 0; i < 5; i++) guard.run('a tick', writeToFullDisk)
    guard.run('another step', writeToFullDisk)
    expect(warnings.map((w) => w.message)).toEqual([
      'a tick skipped: the data disk is full; it is tried again',
      'another step skipped: the data disk is full; it is tried again',
    ])
    now = 10_000
    guard.run('a tick', writeToFullDisk)
    expect(warnings).toHaveLength(3)
    expect(warnings[2]?.data).toMatchObject({ skippedSinceLastWarning: 4 })
  })
})
