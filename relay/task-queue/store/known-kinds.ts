import type { DatabaseSync, StatementSync } from 'node:sqlite'

/** Kinds remembered; past this the least recently announced are forgotten first. */
export const MAX_KNOWN_KINDS = 10_000
/** A kind seen again is written again at most this often (its last_seen, for forgetting). */
const REFRESH_MS = 24 * 60 * 60_000

/**
 * Every task kind a worker has announced, kept in the queue's database so that it
 * survives restarts: a submitted kind that is neither built in nor here is most likely
 * a typo (config `tasks.unknownKinds`). Reads come from memory; a hello writes only
 * kinds that are new or not seen for a day. Bounded, because an open relay lets any
 * volunteer announce up to 64 names per stream.
 */
export class KnownKinds {
  private readonly seen = new Map<string, number>()
  private readonly stmts: Record<'put' | 'trim', StatementSync>
  private readonly max: number

  constructor(db: DatabaseSync, max = MAX_KNOWN_KINDS) {
    this.max = max
    for (const row of db.prepare('SELECT kind, last_seen FROM known_kinds').all()) {
      this.seen.set(row.kind as string, row.last_seen as number)
    }
    this.stmts = {
      put: db.prepare(
        'INSERT INTO known_kinds (kind, last_seen) VALUES (?, ?) ON CONFLICT (kind) DO UPDATE SET last_seen = excluded.last_seen',
      ),
      trim: db.prepare(
        'DELETE FROM known_kinds WHERE kind IN (SELECT kind FROM known_kinds ORDER BY last_seen LIMIT ?) RETURNING kind',
      ),
    }
  }

  /** The kinds, keyed by name (read by shared/task/unknown-kinds.ts). */
  get names(): ReadonlyMap<string, number> {
    return this.seen
  }

  /** Remembers the kinds a worker announced. */
  announced(kinds: Iterable<string>, now: number): void {
    for (const kind of kinds) {
      const last = this.seen.get(kind)
      if (last !== undefined && now - last < REFRESH_MS) continue
      this.stmts.put.run(kind, now)
      this.seen.set(kind, now)
    }
    const over = this.seen.size - this.max
    if (over > 0) for (const row of this.stmts.trim.all(over)) this.seen.delete(row.kind as string)
  }
}
