import { setImmediate as nextTurn } from 'node:timers/promises'

/** A call's synchronous stretch longer than this gives the event loop a turn before going on. */
export const SLICE_MS = 10

/**
 * Cuts the end of a large call into turns of the event loop (issue 9's 50 ms). The
 * steps after a tool answers each cost time in proportion to the answer or the params,
 * and ran in one turn: validating the output, the audit digest of the params, the
 * result's text, the SDK's serialisation. For `text_chunk`'s largest answer (2,000
 * chunks, 1,000,000 characters) that was 60–100 ms in one piece. A step that took
 * longer than SLICE_MS is followed by a turn; a small call never waits.
 */
export function yieldAfter(since: number): Promise<void> | undefined {
  return performance.now() - since > SLICE_MS ? nextTurn() : undefined
}
