import type { DatabaseSync, StatementSync } from 'node:sqlite'

/** Kinds remembered; past this the least recently announced are forgotten first. */
export const MAX_KNOWN_KINDS = 10_000
/**
 * New kinds one peer may add per hour. Without it one volunteer could push every
 * legitimate kind out of the bounded memory with a few hundred hellos (issue 10 review);
 * a real worker announces the same few kinds each time.
 */
export const NEW_KINDS_PER_PEER_HOUR = 64
const HOUR_MS = 60 * 60_000
/** Peers whose hourly allowance is tracked; past this the longest-tracked are forgotten. */
const MAX_TRACKED_PEERS = 10_000
/** A kind seen again is written again at most this often (its last_seen survives restarts). */
const REFRESH_MS = 24 * 60 * 60_000

/**
 * Every task kind a worker has announced, kept in the queue's database so that it
 * survives restarts: a submitted kind that is neither built in nor here is most likely
 * a typo (config `tasks.unknownKinds`). Reads come from memory; every hello refreshes
 * its kinds in memory, and writes only kinds that are new or not written for a day.
 * Bounded, because an open relay lets any volunteer announce up to 64 names per stream.
 */
export class KnownKinds {
  /** Kind → when its last_seen was last written; least recently seen first (every hello moves a kind to the end). */
  private readonly seen = new Map<string, number>()
  /** Kinds by length, so that suggestions read only names of about the right length. */
  private readonly byLength = new Map<number, Set<string>>()
  private readonly allowances = new Map<string, { since: number; added: number }>()
  private readonly stmts: Record<'put' | 'forget', StatementSync>
  private readonly max: number

  constructor(db: DatabaseSync, max = MAX_KNOWN_KINDS) {
    this.max = max
    for (const row of db.prepare('SELECT kind, last_seen FROM known_kinds ORDER BY last_seen').all()) {
      this.remember(row.kind as string, row.last_seen as number)
    }
    this.stmts = {
      put: db.prepare(
        'INSERT INTO known_kinds (kind, last_seen) VALUES (?, ?) ON CONFLICT (kind) DO UPDATE SET last_seen = excluded.last_seen',
      ),
      forget: db.prepare('DELETE FROM known_kinds WHERE kind = ?'),
    }
    this.trim()
  }

  /** The kinds, keyed by name. */
  get names(): ReadonlyMap<string, number> {
    return this.seen
  }

  has(kind: string): boolean {
    return this.seen.has(kind)
  }

  /** Remembered kinds by nearness in length to `kind` (an edit changes the length by at most one). */
  *near(kind: string): Iterable<string> {
    yield* this.byLength.get(kind.length) ?? []
    for (let gap = 1; gap <= kind.length; gap++) {
      yield* this.byLength.get(kind.length - gap) ?? []
      yield* this.byLength.get(kind.length + gap) ?? []
    }
  }

  /** Remembers the kinds a worker of `peerId` announced; a peer adds at most NEW_KINDS_PER_PEER_HOUR new ones. */
  announced(kinds: Iterable<string>, now: number, peerId = ''): void {
    for (const kind of kinds) {
      const last = this.seen.get(kind)
      if (last === undefined && !this.allow(peerId, now)) continue
      const write = last === undefined || now - last >= REFRESH_MS
      if (write) this.stmts.put.run(kind, now)
      // Moved to the end in memory on every hello, written or not: forgetting goes by this order.
      this.remember(kind, write ? now : last)
    }
    this.trim()
  }

  private remember(kind: string, lastSeen: number): void {
    this.seen.delete(kind)
    this.seen.set(kind, lastSeen)
    const sameLength = this.byLength.get(kind.length)
    if (sameLength === undefined) this.byLength.set(kind.length, new Set([kind]))
    else sameLength.add(kind)
  }

  /** Forgets the least recently seen kinds beyond the bound. */
  private trim(): void {
    for (const kind of this.seen.keys()) {
      if (this.seen.size <= this.max) return
      this.stmts.forget.run(kind)
      this.seen.delete(kind)
      this.byLength.get(kind.length)?.delete(kind)
    }
  }

  /** Whether `peerId` may add one more new kind this hour (and counts it). */
  private allow(peerId: string, now: number): boolean {
    let allowance = this.allowances.get(peerId)
    if (allowance === undefined || now - allowance.since >= HOUR_MS) {
      this.allowances.delete(peerId)
      allowance = { since: now, added: 0 }
      this.allowances.set(peerId, allowance)
      for (const oldest of this.allowances.keys()) {
        if (this.allowances.size <= MAX_TRACKED_PEERS) break
        this.allowances.delete(oldest)
      }
    }
    if (allowance.added >= NEW_KINDS_PER_PEER_HOUR) return false
    allowance.added++
    return true
  }
}
