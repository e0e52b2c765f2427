import type { TaskRecord } from '../../shared/task/types.ts'

/** How an offer of a queued task to a member relay ended; refused ones are back in the queue. */
export type OfferOutcome =
  | { ok: true; task: TaskRecord }
  | { ok: false; reason: 'not_queued' | 'unsupported' | 'unreachable' | string; detail?: string }
