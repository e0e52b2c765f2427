/**
 * Settles with the signal's reason as soon as it aborts, even if the work ignores the
 * signal, so a cancelled or timed-out call answers at once. Work that answers the
 * abort itself within the same turn (before the next macrotask) is answered with its
 * own settlement: the P2P runtime adds the id of the task that stays queued to a
 * SHUTTING_DOWN (issue 10 review).
 */
export function raceAbort<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason)
  return new Promise<T>((resolve, reject) => {
    let timer: ReturnType<typeof setImmediate> | undefined
    const onAbort = () => {
      timer = setImmediate(() => reject(signal.reason))
    }
    signal.addEventListener('abort', onAbort, { once: true })
    const settle = () => {
      signal.removeEventListener('abort', onAbort)
      if (timer !== undefined) clearImmediate(timer)
    }
    work.then(
      (value) => {
        settle()
        resolve(value)
      },
      (err) => {
        settle()
        reject(err)
      },
    )
  })
}
