import { z } from 'zod'
import { McppError } from '../../../shared/errors.ts'
import { type ListKey, TASK_ORDERS, type TaskOrder } from '../../task-queue/index.ts'

/** Longest cursor accepted; the relay's own are under 60 characters. */
export const MAX_CURSOR_LENGTH = 200

const wire = z.tuple([z.enum(TASK_ORDERS), z.number().int(), z.number().int().min(0)])

/**
 * A page's cursor for p2p_taskqueue_list_tasks: the order it was read in and its last
 * task's key, opaque to callers (MCP's pagination treats cursors the same way).
 * The order is inside so that a cursor from one order is refused in another rather
 * than silently starting a page at the wrong place.
 */
export function encodeCursor(order: TaskOrder, key: ListKey): string {
  return Buffer.from(JSON.stringify([order, key.priority, key.seq])).toString('base64url')
}

/** The key a cursor stands for, or INVALID_PARAMS if it is not one of ours or belongs to another order. */
export function decodeCursor(cursor: string, order: TaskOrder): ListKey {
  let parsed: z.infer<typeof wire> | undefined
  try {
    parsed = wire.parse(JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')))
  } catch {
    parsed = undefined
  }
  if (parsed === undefined) {
    throw new McppError('INVALID_PARAMS', 'cursor is not a nextCursor this tool returned', { cursor })
  }
  const [from, priority, seq] = parsed
  if (from !== order) {
    throw new McppError(
      'INVALID_PARAMS',
      `cursor belongs to sort "${from}", not "${order}": list again without a cursor to change the order`,
      { cursor, sort: order, cursorSort: from },
    )
  }
  return { priority, seq }
}
