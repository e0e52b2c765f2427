/**
 * A task's time limit runs from when it starts computing, but the relay only knows
 * when it leased it; a worker may hold it in its buffer first. So that the relay never
 * times out a task before the worker's own limit would, the two sides share one rule:
 *
 * - the worker tells the relay a task started ("started" notice, which restarts the
 *   relay's clock) only when the task waited in the buffer longer than the slack below;
 * - the relay gives a task that has not been reported started that much slack.
 *
 * A buffer wait under the slack costs no message and no database write, which matters
 * when thousands of short tasks a second pass through deep buffers.
 */
export const START_SLACK_MIN_MS = 20
export const START_SLACK_FRACTION = 0.1

export function startSlackMs(timeoutMs: number): number {
  return Math.max(START_SLACK_MIN_MS, Math.floor(timeoutMs * START_SLACK_FRACTION))
}

/** Whether a task that waited `waitedMs` in a worker's buffer must be reported as started. */
export function startNoticeDue(waitedMs: number, timeoutMs: number): boolean {
  return waitedMs > startSlackMs(timeoutMs)
}
