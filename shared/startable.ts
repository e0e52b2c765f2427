/**
 * The lifecycle contract every store and service of a relay implements (after
 * js-libp2p's `Startable`). The composition root starts parts in order and stops them
 * in reverse order; nobody lists shutdown steps by hand.
 *
 * - `start()` acquires what the part holds (files, sockets, threads). It is called once.
 * - `stop()` releases it. It must be safe to call after a failed or partial start and
 *   more than once; a part that was never started does nothing.
 */
export interface Startable {
  start(): void | Promise<void>
  stop(): void | Promise<void>
}

/** A named part, so the lifecycle can log and report which one failed. */
export interface LifecyclePart extends Startable {
  readonly name: string
}
