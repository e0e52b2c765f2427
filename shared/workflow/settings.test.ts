import { describe, expect, it } from 'vitest'
import { stepSettings } from './settings.ts'

describe('stepSettings', () => {
  it('applies the defaults per step type', () => {
    expect(stepSettings({ id: 'a', type: 'task', kind: 'echo' })).toEqual({
      maxAttempts: 3,
      timeoutMs: 60_000,
      priority: 0,
      itemPriority: 0,
      parallelism: 1,
    })
    expect(stepSettings({ id: 'b', type: 'tool', tool: 't' }).maxAttempts).toBe(1)
  })

  it("gives a map's items the template's settings, its priority falling back to the map's", () => {
    expect(
      stepSettings({
        id: 'm',
        type: 'map',
        over: { $ref: 'a' },
        priority: 5,
        do: { type: 'tool', tool: 't', maxAttempts: 2, timeoutMs: 10 },
      }),
    ).toEqual({ maxAttempts: 2, timeoutMs: 10, priority: 5, itemPriority: 5, parallelism: 16 })
  })
})
