import { McppError } from '../shared/errors.ts'
import type { LifecyclePhase, PartState } from '../shared/readiness.ts'
import type { LifecyclePart, Startable } from '../shared/startable.ts'
import type { Logger } from './log.ts'

/**
 * Starts a relay's parts in order and stops them in reverse order (issue 10: one
 * lifecycle, nobody lists shutdown steps by hand).
 *
 * - `start()`: each part in turn. If one fails, it and the parts started before it are
 *   stopped, in reverse order, and the error is rethrown; later parts are not touched.
 * - `stop()`: every part, in reverse order, whether or not it was started (a part that
 *   was never started does nothing, by the Startable contract, so a caller that only
 *   built the parts, like the docs generator, releases them the same way). A part whose
 *   stop fails is logged and the others are still stopped. Calling it again waits for
 *   the first call.
 */
export class Lifecycle implements Startable {
  readonly parts: readonly LifecyclePart[]
  private readonly log: Pick<Logger, 'debug' | 'error'>
  private starting: Promise<void> | undefined
  private stopping: Promise<void> | undefined
  private stopRequested = false
  private stopped = false
  private readonly states = new Map<string, PartState>()

  constructor(parts: readonly LifecyclePart[], log: Pick<Logger, 'debug' | 'error'>) {
    const names = new Set<string>()
    for (const part of parts) {
      if (names.has(part.name)) throw new Error(`two lifecycle parts are named ${part.name}`)
      names.add(part.name)
    }
    this.parts = parts
    this.log = log
    for (const part of parts) this.states.set(part.name, 'idle')
  }

  /** Where the lifecycle is; a stop asked for during start-up already counts as stopping (readiness). */
  get phase(): LifecyclePhase {
    if (this.stopped) return 'stopped'
    if (this.stopRequested || this.stopping) return 'stopping'
    if (this.starting === undefined) return 'idle'
    return this.parts.every((part) => this.states.get(part.name) === 'running') ? 'running' : 'starting'
  }

  /** Each part and where it is, in start order. */
  partStates(): Array<{ name: string; state: PartState }> {
    return this.parts.map((part) => ({ name: part.name, state: this.states.get(part.name) ?? 'idle' }))
  }

  start(): Promise<void> {
    if (this.starting || this.stopping) return Promise.reject(new Error('a lifecycle starts once'))
    this.starting = this.startParts()
    return this.starting
  }

  /**
   * A stop asked for while the parts are starting (a SIGTERM during start-up) waits for
   * the part that is starting, then the start ends with SHUTTING_DOWN and every part is
   * stopped: no part starts after a stop began, and none is stopped while it starts.
   */
  stop(): Promise<void> {
    this.stopRequested = true
    this.stopping ??= (async () => {
      await this.starting?.catch(() => {})
      await this.stopParts(this.parts)
      this.stopped = true
    })()
    return this.stopping
  }

  private async startParts(): Promise<void> {
    for (const [index, part] of this.parts.entries()) {
      if (this.stopRequested) {
        throw new McppError(
          'SHUTTING_DOWN',
          `the relay was asked to stop while starting (before ${part.name})`,
        )
      }
      try {
        this.states.set(part.name, 'starting')
        await part.start()
        this.states.set(part.name, 'running')
        this.log.debug('started', { part: part.name })
      } catch (err) {
        this.log.error('a part failed to start; stopping the ones before it', {
          part: part.name,
          error: (err as Error).message,
        })
        // A later stop() waits for this one instead of stopping the parts again.
        const stopped = this.stopParts(this.parts.slice(0, index + 1)).then(() => {
          this.stopped = true
        })
        this.stopping ??= stopped
        await stopped
        throw err
      }
    }
  }

  private async stopParts(parts: readonly LifecyclePart[]): Promise<void> {
    for (const part of [...parts].reverse()) {
      // Stopping from the moment it is asked: a store being closed is not ready.
      if (this.states.get(part.name) !== 'idle') this.states.set(part.name, 'stopping')
      try {
        await part.stop()
        this.log.debug('stopped', { part: part.name })
      } catch (err) {
        this.log.error('a part failed to stop; stopping the others', {
          part: part.name,
          error: (err as Error).message,
        })
      }
      if (this.states.get(part.name) !== 'idle') this.states.set(part.name, 'stopped')
    }
  }
}

/** A part made of two functions, for services that are not classes of their own. */
export function lifecyclePart(
  name: string,
  start: () => void | Promise<void>,
  stop: () => void | Promise<void>,
): LifecyclePart {
  return { name, start, stop }
}
