import { describe, expect, it } from 'vitest'
import { decodeCursor, encodeCursor, MAX_CURSOR_LENGTH } from './list-cursor.ts'

const codeOf = (fn: () => unknown) => {
  try {
    fn()
  } catch (err) {
    return (err as { code?: string }).code
  }
  return 'no error'
}

describe('list_tasks cursors', () => {
  it('gives back the key it was made from, for the same sort', () => {
    const cursor = encodeCursor('priority', { priority: -7, seq: 12345 })
    expect(decodeCursor(cursor, 'priority')).toEqual({ priority: -7, seq: 12345 })
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/)
    expect(encodeCursor('lowest-priority', { priority: -1000, seq: 2 ** 53 - 1 }).length).toBeLessThan(
      MAX_CURSOR_LENGTH,
    )
  })

  it('refuses a cursor made for another sort', () => {
    const cursor = encodeCursor('newest', { priority: 0, seq: 9 })
    expect(codeOf(() => decodeCursor(cursor, 'oldest'))).toBe('INVALID_PARAMS')
    expect(codeOf(() => decodeCursor(cursor, 'priority'))).toBe('INVALID_PARAMS')
  })

  it('refuses text that is not one of its cursors', () => {
    const forged = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url')
    for (const text of [
      '',
      'abc',
      '!!!',
      forged({ seq: 1 }),
      forged(['newest', 0, -1]),
      forged(['upward', 0, 1]),
    ]) {
      expect(
        codeOf(() => decodeCursor(text, 'newest')),
        text,
      ).toBe('INVALID_PARAMS')
    }
  })
})
