import { setTimeout as sleep } from 'node:timers/promises'

/**
 * Starts `op` `perSecond` times a second until `signal` aborts, on a fixed schedule:
 * start i is due at i / perSecond s, whether or not earlier calls have answered (open
 * loop), so a slower relay cannot lower the load it is offered. With `maxInFlight`
 * calls still open a start is skipped (`onSkipped`) rather than queued: a relay that
 * falls behind shows as fewer completions and longer latencies, not as an ever longer
 * queue in the bench. Resolves once every started call has ended; `op` must not reject.
 */
export async function fixedRate(
  perSecond: number,
  op: (i: number) => Promise<void>,
  signal: AbortSignal,
  maxInFlight: number,
  onSkipped: () => void,
): Promise<void> {
  if (perSecond <= 0) return
  const interval = 1000 / perSecond
  const started = performance.now()
  const inFlight = new Set<Promise<void>>()
  for (let i = 0; ; i++) {
    const wait = started + i * interval - performance.now()
    if (wait > 0) await sleep(wait, undefined, { signal }).catch(() => {})
    if (signal.aborted) break
    if (inFlight.size >= maxInFlight) {
      onSkipped()
      continue
    }
    const call: Promise<void> = op(i).finally(() => inFlight.delete(call))
    inFlight.add(call)
  }
  await Promise.all(inFlight)
}
