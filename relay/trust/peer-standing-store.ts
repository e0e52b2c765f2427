import { DatabaseSync, type StatementSync } from 'node:sqlite'
import {
  applyStandingEvent,
  FRESH_STANDING,
  isBanned,
  type PeerStanding,
  type StandingChange,
  type StandingEvent,
} from '../../shared/trust/standing.ts'

export interface BanNotice {
  peerId: string
  untilMs: number
  reason: string
  event: StandingEvent
}

/** Peers remembered in memory; the rest are read back from the file when they return. */
const CACHE_LIMIT = 10_000

/**
 * Every peer's standing (shared/trust/standing.ts) by PeerId, in `<data-dir>/peers.db`,
 * so strikes, bans and reputation survive a reconnect and a relay restart (issue 9:
 * strikes used to reset when a peer reconnected). Events that change a standing are
 * written at once; a `finished` that changes nothing costs no write (the hot path).
 */
export class PeerStandingStore {
  private readonly db: DatabaseSync
  private readonly path: string
  private readonly now: () => number
  private readonly cache = new Map<string, PeerStanding>()
  private readonly stmts: Record<'get' | 'put' | 'banned', StatementSync>
  private readonly banListeners: Array<(notice: BanNotice) => void> = []

  constructor(path: string, now: () => number = Date.now) {
    this.now = now
    this.path = path
    this.db = new DatabaseSync(path)
    this.db.exec(`
      PRAGMA journal_mode = WAL;
      PRAGMA synchronous = NORMAL;
      CREATE TABLE IF NOT EXISTS peers (
        peer_id TEXT PRIMARY KEY, standing TEXT NOT NULL, banned_until INTEGER NOT NULL, updated_at INTEGER NOT NULL);
      CREATE INDEX IF NOT EXISTS peers_banned ON peers (banned_until);
    `)
    this.stmts = {
      get: this.db.prepare('SELECT standing FROM peers WHERE peer_id = ?'),
      put: this.db.prepare(`INSERT INTO peers (peer_id, standing, banned_until, updated_at) VALUES (?, ?, ?, ?)
        ON CONFLICT (peer_id) DO UPDATE SET standing = excluded.standing, banned_until = excluded.banned_until,
        updated_at = excluded.updated_at`),
      banned: this.db.prepare(
        'SELECT peer_id, banned_until FROM peers WHERE banned_until > ? ORDER BY banned_until DESC LIMIT ?',
      ),
    }
  }

  get(peerId: string): PeerStanding {
    const cached = this.cache.get(peerId)
    if (cached) return cached
    const row = this.stmts.get.get(peerId) as { standing: string } | undefined
    const standing = row
      ? { ...FRESH_STANDING, ...(JSON.parse(row.standing) as Partial<PeerStanding>) }
      : FRESH_STANDING
    this.remember(peerId, standing)
    return standing
  }

  isBanned(peerId: string): boolean {
    return isBanned(this.get(peerId), this.now())
  }

  /** Records an event; persists a changed standing and tells the ban listeners about a new ban. */
  record(peerId: string, event: StandingEvent): StandingChange {
    const before = this.get(peerId)
    const change = applyStandingEvent(before, event, this.now())
    if (change.standing !== before) {
      this.remember(peerId, change.standing)
      this.stmts.put.run(peerId, JSON.stringify(change.standing), change.standing.bannedUntil, this.now())
    }
    if (change.ban) {
      const notice = { peerId, untilMs: change.ban.untilMs, reason: change.ban.reason, event }
      for (const listener of this.banListeners) listener(notice)
    }
    return change
  }

  onBan(listener: (notice: BanNotice) => void): void {
    this.banListeners.push(listener)
  }

  /** Peers banned right now, the longest bans first. */
  banned(limit = 100): Array<{ peerId: string; until: number }> {
    const rows = this.stmts.banned.all(this.now(), limit) as Array<{ peer_id: string; banned_until: number }>
    return rows.map((r) => ({ peerId: r.peer_id, until: r.banned_until }))
  }

  close(): void {
    this.db.close()
  }

  /** Its file and connection while open, for the checkpointer (relay/store/checkpointer.ts). */
  walFile(): { path: string; db: DatabaseSync } | undefined {
    return this.db.isOpen ? { path: this.path, db: this.db } : undefined
  }

  private remember(peerId: string, standing: PeerStanding): void {
    this.cache.delete(peerId)
    this.cache.set(peerId, standing)
    if (this.cache.size > CACHE_LIMIT) this.cache.delete(this.cache.keys().next().value as string)
  }
}
