import { describe, expect, it } from 'vitest'
import { errorMeta, toolHarness } from './helpers.ts'

const h = toolHarness()

/** Priorities of tasks 0..6, submitted in that order in one call. */
const PRIORITIES = [0, 5, 0, 5, -1, 0, 5]

/** Task id → its number, for the tasks submitted (the listing leaves inputs out). */
const numbers = new Map<string, number>()

async function submit(kind: string): Promise<void> {
  const out = await h.ok('p2p_taskqueue_submit', {
    tasks: PRIORITIES.map((priority, n) => ({ kind, input: n, priority })),
  })
  for (const [n, task] of (out.tasks as Array<{ id: string }>).entries()) numbers.set(task.id, n)
}

const numbered = (page: { tasks: Array<{ id: string }> }) => page.tasks.map((t) => numbers.get(t.id))

/** Every page of a listing, following nextCursor. */
async function pages(params: Record<string, unknown>): Promise<number[][]> {
  const out: number[][] = []
  let cursor: string | undefined
  do {
    const page = await h.ok('p2p_taskqueue_list_tasks', { ...params, ...(cursor ? { cursor } : {}) })
    out.push(numbered(page) as number[])
    expect(page.total).toBe(PRIORITIES.length)
    cursor = page.nextCursor ?? undefined
  } while (cursor !== undefined)
  return out
}

async function errorCode(params: Record<string, unknown>): Promise<string> {
  const result = await h.call('p2p_taskqueue_list_tasks', params)
  expect(result.isError).toBe(true)
  return errorMeta(result).code
}

describe('p2p_taskqueue_list_tasks sort', () => {
  it('pages each sort across the whole queue, ties broken by submission order', async () => {
    await submit('echo')
    const kind = 'echo'
    expect(await pages({ kind, limit: 2 })).toEqual([[6, 5], [4, 3], [2, 1], [0]])
    expect(await pages({ kind, limit: 3, sort: 'oldest' })).toEqual([[0, 1, 2], [3, 4, 5], [6]])
    expect(await pages({ kind, limit: 2, sort: 'priority' })).toEqual([[1, 3], [6, 0], [2, 5], [4]])
    expect(await pages({ kind, limit: 4, sort: 'lowest-priority', states: ['queued'] })).toEqual([
      [4, 5, 2, 0],
      [6, 3, 1],
    ])
    // Offset paging keeps working, in the order asked.
    const offset = await h.ok('p2p_taskqueue_list_tasks', { kind, sort: 'priority', limit: 2, offset: 3 })
    expect(numbered(offset)).toEqual([0, 2])
  })

  it('refuses a cursor from another sort, a cursor it never made, and a cursor with an offset', async () => {
    await submit('sha256')
    const first = await h.ok('p2p_taskqueue_list_tasks', { kind: 'sha256', limit: 2, sort: 'oldest' })
    expect(first.nextCursor).toEqual(expect.any(String))
    const { nextCursor } = first
    expect(await errorCode({ kind: 'sha256', cursor: nextCursor })).toBe('INVALID_PARAMS')
    expect(await errorCode({ kind: 'sha256', cursor: nextCursor, sort: 'priority' })).toBe('INVALID_PARAMS')
    expect(await errorCode({ kind: 'sha256', cursor: 'bm90IG91cnM', sort: 'oldest' })).toBe('INVALID_PARAMS')
    expect(await errorCode({ kind: 'sha256', cursor: nextCursor, sort: 'oldest', offset: 1 })).toBe(
      'INVALID_PARAMS',
    )
    expect(await errorCode({ kind: 'sha256', sort: 'sideways' })).toBe('INVALID_PARAMS')
    const second = await h.ok('p2p_taskqueue_list_tasks', {
      kind: 'sha256',
      limit: 2,
      sort: 'oldest',
      cursor: nextCursor,
    })
    expect(numbered(second)).toEqual([2, 3])
  })
})
