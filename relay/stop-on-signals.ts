import type { RelayComponents } from './relay-components.ts'

/**
 * One Ctrl-C under `npm start` arrives twice: the terminal signals its whole foreground
 * process group (npm and the relay), and npm forwards its own copy to its child. A
 * repeat of the first signal this soon is that copy, not a second request.
 */
const SAME_REQUEST_MS = 500

/**
 * Stops the relay gracefully on SIGTERM or SIGINT (issue 10): `components.stop()`
 * drains the MCP calls in flight for up to `shutdown.graceSeconds`, then stops every
 * part in reverse order, and the process exits with status 0. A second signal ends
 * the grace period at once (calls still running are answered with SHUTTING_DOWN and
 * the parts still stop in order); a third exits without waiting for anything.
 * Returns the same stop, for other reasons to stop (the parent process is gone).
 */
export function stopOnSignals(
  components: Pick<RelayComponents, 'stop' | 'hurry' | 'log' | 'config'>,
  exit: (code: number) => void,
): (reason: string) => void {
  const { log } = components
  let first: { reason: string; at: number } | undefined
  let repeats = 0
  const stop = (reason: string) => {
    if (first !== undefined) return
    first = { reason, at: performance.now() }
    const started = first.at
    log.info('stopping', { reason, graceSeconds: components.config.shutdown.graceSeconds })
    void components.stop().then(() => {
      log.info('stopped', { durationMs: Math.round(performance.now() - started) })
      exit(0)
    })
  }
  const onSignal = (signal: NodeJS.Signals) => {
    if (first === undefined) return stop(signal)
    if (signal === first.reason && performance.now() - first.at < SAME_REQUEST_MS) return
    repeats++
    if (repeats === 1) {
      log.warn('second signal: cutting the calls in flight and stopping now', { signal })
      components.hurry()
    } else {
      log.error('third signal: exiting before the stop has finished', { signal })
      exit(1)
    }
  }
  process.on('SIGTERM', onSignal)
  process.on('SIGINT', onSignal)
  return stop
}
