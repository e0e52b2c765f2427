import { describe, expect, it } from 'vitest'
import type { SealedSegment } from './manifest.ts'
import { segmentsToRemove } from './removal-policy.ts'

const HOUR = 3_600_000
const segment = (number: number, exportedAt: number | null): SealedSegment => ({
  number,
  firstSeq: number,
  lastSeq: number,
  entries: 1,
  anchor: '0'.repeat(64),
  head: '1'.repeat(64),
  bytes: 1,
  sealedAt: 0,
  exportedAt,
  exportedTo: exportedAt === null ? null : '/x',
})
const policy = { removeExportedAfterSeconds: 3600, maxSealedSegments: 0 }

describe('segmentsToRemove', () => {
  it('removes exported segments once they are older than the configured age', () => {
    const sealed = [segment(1, 0), segment(2, HOUR), segment(3, 2 * HOUR)]
    expect(segmentsToRemove(sealed, HOUR, policy)).toBe(1)
    expect(segmentsToRemove(sealed, 3 * HOUR, policy)).toBe(3)
    expect(segmentsToRemove(sealed, HOUR - 1, policy)).toBe(0)
  })

  it('never removes an unexported segment, nor the ones after it', () => {
    const sealed = [segment(1, 0), segment(2, null), segment(3, 0)]
    expect(segmentsToRemove(sealed, 10 * HOUR, policy)).toBe(1)
    expect(segmentsToRemove([segment(1, null)], 10 * HOUR, { ...policy, maxSealedSegments: 1 })).toBe(0)
  })

  it('removes exported segments early while more than the maximum are sealed', () => {
    const sealed = [segment(1, 0), segment(2, 0), segment(3, null), segment(4, null)]
    const byCount = { removeExportedAfterSeconds: 86_400, maxSealedSegments: 3 }
    expect(segmentsToRemove(sealed, 1, byCount)).toBe(1)
    expect(segmentsToRemove(sealed, 1, { ...byCount, maxSealedSegments: 1 })).toBe(2)
  })
})
