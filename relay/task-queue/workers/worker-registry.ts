import { capabilityGroups } from '../../../shared/network/member-capacity.ts'
import type { WorkerLoad } from '../../../shared/task/pending-reason.ts'
import type { WorkerStats } from '../../../shared/task/worker-stats.ts'
import type { Capacity } from '../../../shared/wire/announce-messages.ts'
import type { ConnectedWorker, HeldTask } from './connected-worker.ts'

/** A worker as p2p_taskqueue_worker_stats and the dashboard report it. */
export type WorkerStatsRecord = WorkerStats

interface Counters {
  done: number
  failed: number
  totalMs: number
  disconnectedAt?: number
  last: WorkerStatsRecord
}

/** Workers seen after they disconnect, for statistics; the oldest are forgotten first. */
const HISTORY = 500

/** The workers connected to this relay, and statistics for those that were. */
export class WorkerRegistry {
  private readonly connected = new Map<string, ConnectedWorker>()
  private readonly counters = new Map<string, Counters>()
  /** Kind → connected workers announcing it: a kind a connected worker runs is always known. */
  private readonly kindCounts = new Map<string, number>()

  add(worker: ConnectedWorker): void {
    this.connected.set(worker.id, worker)
    for (const kind of worker.kinds) this.kindCounts.set(kind, (this.kindCounts.get(kind) ?? 0) + 1)
    this.counters.set(worker.id, { done: 0, failed: 0, totalMs: 0, last: this.snapshot(worker) })
  }

  remove(id: string, now: number): ConnectedWorker | undefined {
    const worker = this.connected.get(id)
    if (!worker) return undefined
    this.connected.delete(id)
    for (const kind of worker.kinds) {
      const n = (this.kindCounts.get(kind) ?? 1) - 1
      if (n === 0) this.kindCounts.delete(kind)
      else this.kindCounts.set(kind, n)
    }
    const counters = this.counters.get(id)
    if (counters) {
      counters.disconnectedAt = now
      counters.last = { ...this.snapshot(worker), connected: false, inFlight: 0 }
    }
    this.forgetOld()
    return worker
  }

  get(id: string): ConnectedWorker | undefined {
    return this.connected.get(id)
  }

  /** The connected workers of one peer (a peer may open several worker streams). */
  *byPeer(peerId: string): Iterable<ConnectedWorker> {
    for (const w of this.connected.values()) if (w.peerId === peerId) yield w
  }

  /** The task a connected worker of `peerId` holds under `token`, if any (block access). */
  heldBy(peerId: string, taskId: string, token: number): HeldTask | undefined {
    for (const worker of this.byPeer(peerId)) {
      const held = worker.inFlight.get(taskId)
      if (held?.token === token) return held
    }
    return undefined
  }

  /** Whether a connected worker of `peerId` holds a task whose input is block `cid`. */
  holdsInput(peerId: string, cid: string): boolean {
    for (const worker of this.byPeer(peerId)) {
      for (const held of worker.inFlight.values()) if (held.inputCid === cid) return true
    }
    return false
  }

  list(): ConnectedWorker[] {
    return [...this.connected.values()]
  }

  get size(): number {
    return this.connected.size
  }

  /** What the connected workers can take, without the queue (announced to member relays). */
  capacity(): Omit<Capacity, 'queued'> {
    const workers = [...this.connected.values()]
    const kinds = [...this.taskKinds()].sort()
    const byKind = new Map(kinds.map((kind) => [kind, { kind, workers: 0, freeSlots: 0 }]))
    for (const w of workers) {
      for (const kind of w.kinds) {
        const entry = byKind.get(kind)
        if (entry === undefined) continue // draining or timing out: not counted on
        entry.workers++
        entry.freeSlots += w.freeSlots
      }
    }
    // Capabilities of the dependable workers, so members forward tasks that require some.
    const groups = capabilityGroups(workers.filter((w) => !w.draining && w.timeoutPenalty === 0))
    return {
      workers: workers.length,
      slots: workers.reduce((n, w) => n + w.slots, 0),
      freeSlots: workers.reduce((n, w) => n + w.freeSlots, 0),
      kinds,
      inFlight: workers.reduce((n, w) => n + w.inFlight.size, 0),
      byKind: [...byKind.values()].map((k) => {
        const kindGroups = groups.get(k.kind)
        return kindGroups === undefined ? k : { ...k, groups: kindGroups }
      }),
    }
  }

  /** Each connected worker's load, for saying why a task waits (shared/task/pending-reason.ts). */
  loads(): WorkerLoad[] {
    return [...this.connected.values()].map((w) => ({
      kinds: w.kinds,
      capabilities: w.capabilities,
      slots: w.slots,
      inFlight: w.inFlight.size,
      free: w.free,
      draining: w.draining,
    }))
  }

  /**
   * Task kinds some dependable worker runs (the router's P2P snapshot): connected, not
   * draining, and not timing out lately, so that a call that could run locally never
   * waits on a worker that stalls (issue 9). With `membersOnly`, member workers only.
   */
  taskKinds(options: { membersOnly?: boolean } = {}): Set<string> {
    const kinds = new Set<string>()
    for (const w of this.connected.values()) {
      if (w.draining || w.timeoutPenalty > 0) continue
      if (options.membersOnly && w.workerClass !== 'member') continue
      for (const k of w.kinds) kinds.add(k)
    }
    return kinds
  }

  /** Whether a dependable worker (as in `taskKinds`) runs `kind` and has every capability in `requires`. */
  runs(kind: string, requires: readonly string[]): boolean {
    for (const w of this.connected.values()) {
      if (w.draining || w.timeoutPenalty > 0 || !w.kinds.has(kind)) continue
      if (requires.every((c) => w.capabilities.has(c))) return true
    }
    return false
  }

  /** Slots of the dependable workers (as in `taskKinds`) by kind: the router sends a saturated kind elsewhere. */
  kindLoads(): Map<string, { slots: number; freeSlots: number }> {
    const loads = new Map<string, { slots: number; freeSlots: number }>()
    for (const w of this.connected.values()) {
      if (w.draining || w.timeoutPenalty > 0) continue
      for (const k of w.kinds) {
        const load = loads.get(k) ?? { slots: 0, freeSlots: 0 }
        load.slots += w.slots
        load.freeSlots += w.freeSlots
        loads.set(k, load)
      }
    }
    return loads
  }

  /** Whether a connected worker (draining or not) announced `kind`. */
  announces(kind: string): boolean {
    return this.kindCounts.has(kind)
  }

  /** The kinds connected workers announced. */
  announcedKinds(): Iterable<string> {
    return this.kindCounts.keys()
  }

  recordOutcome(id: string, ok: boolean, durationMs: number): void {
    const counters = this.counters.get(id)
    if (!counters) return
    if (ok) counters.done++
    else counters.failed++
    counters.totalMs += durationMs
  }

  stats(): WorkerStatsRecord[] {
    return [...this.counters.entries()].map(([id, c]) => {
      const live = this.connected.get(id)
      const base = live ? this.snapshot(live) : c.last
      const finished = c.done + c.failed
      return { ...base, done: c.done, failed: c.failed, meanMs: finished === 0 ? null : c.totalMs / finished }
    })
  }

  private snapshot(w: ConnectedWorker): WorkerStatsRecord {
    return {
      workerId: w.id,
      peerId: w.peerId,
      name: w.name,
      kinds: [...w.kinds],
      capabilities: [...w.capabilities],
      concurrency: w.concurrency,
      slots: w.slots,
      meanTaskMs: w.meanTaskMs,
      connected: true,
      draining: w.draining,
      inFlight: w.inFlight.size,
      done: 0,
      failed: 0,
      meanMs: null,
      connectedAt: w.connectedAt,
      lastSeen: w.lastSeen,
      ...(w.userAgent === undefined ? {} : { userAgent: w.userAgent }),
    }
  }

  private forgetOld(): void {
    const gone = [...this.counters.entries()].filter(([id]) => !this.connected.has(id))
    if (gone.length <= HISTORY) return
    gone.sort((a, b) => (a[1].disconnectedAt ?? 0) - (b[1].disconnectedAt ?? 0))
    for (const [id] of gone.slice(0, gone.length - HISTORY)) this.counters.delete(id)
  }
}
