/** While a worker holds no task, it sends one heartbeat in this many ticks (every 30 s at the relay's 5 s). */
export const IDLE_HEARTBEAT_EVERY = 6

/**
 * When a worker sends a heartbeat. A heartbeat renews the leases of the tasks the worker
 * holds, so while it holds any, every tick sends one. While it holds none, only every
 * IDLE_HEARTBEAT_EVERY-th tick does: that still shows the relay the worker is there, and
 * a relay with 1,000 idle workers does not read, decrypt and answer 200 frames a second
 * for nothing (the network bench).
 */
export class HeartbeatPacer {
  #idleTicks = 0

  /** Called on each tick of the relay's heartbeat interval; true when a heartbeat is due. */
  due(holding: number): boolean {
    if (holding === 0 && ++this.#idleTicks < IDLE_HEARTBEAT_EVERY) return false
    this.#idleTicks = 0
    return true
  }
}

/**
 * The yamux keep-alive ping interval on relays and workers (libp2p's default is 30 s).
 * Heartbeats already keep connections and NAT mappings busy; the ping is kept for the
 * round-trip time it measures, which yamux uses to grow stream windows, and because its
 * writes make the kernel give up, within minutes, on a connection to a host that vanished
 * (relays send no libp2p pings).
 */
export const YAMUX_KEEPALIVE_MS = 300_000
