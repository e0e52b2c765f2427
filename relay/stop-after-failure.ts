import type { Logger } from './log.ts'

/** A part of a relay that holds files or threads once built. */
export interface Stoppable {
  stop(): void | Promise<void>
}

/** Stops a part of a relay that failed to build; the build error is the one rethrown, so this one is logged. */
export function stopAfterFailure(part: Stoppable, log: Logger): void {
  const logged = (err: unknown) =>
    log.error('a part failed to stop after a failed build', { error: (err as Error).message })
  try {
    void Promise.resolve(part.stop()).catch(logged)
  } catch (err) {
    logged(err)
  }
}
