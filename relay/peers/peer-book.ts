import { DatabaseSync, type StatementSync } from 'node:sqlite'
import { McppError } from '../../shared/errors.ts'
import type { LifecyclePart } from '../../shared/startable.ts'

/** Registered peers kept at once; beyond it registering a new one is refused until cleanup. */
export const MAX_PEERS = 10_000
export const MAX_PEER_ADDRESSES = 32
export const MAX_PEER_CAPABILITIES = 64
export const MIN_PEER_TTL_SECONDS = 1
export const MAX_PEER_TTL_SECONDS = 30 * 24 * 3600
export const DEFAULT_PEER_TTL_SECONDS = 3600

export interface RegisteredPeer {
  peerId: string
  multiaddrs: string[]
  capabilities: string[]
  registeredAt: number
  updatedAt: number
  expiresAt: number
}

export interface PeerRegistration {
  peerId: string
  multiaddrs: readonly string[]
  capabilities: readonly string[]
  ttlMs: number
}

export interface PeerPage {
  peers: RegisteredPeer[]
  /** Peers that match the filter, on every page. */
  total: number
}

interface Row {
  peer_id: string
  multiaddrs: string
  capabilities: string
  registered_at: number
  updated_at: number
  expires_at: number
}

type Statements = Record<'get' | 'upsert' | 'count' | 'page' | 'total' | 'purge', StatementSync>

/** Unexpired unless `includeExpired`; one capability or any. */
const FILTER = `(? = 1 OR expires_at > ?) AND (? IS NULL OR EXISTS (SELECT 1 FROM json_each(capabilities) WHERE value = ?))`

/**
 * The peers registered with `p2p_peer_register`, with their capabilities, addresses
 * and expiry, in `<data-dir>/peerbook.db` (node:sqlite, WAL) so they survive a
 * restart. Bounded: at most MAX_PEERS rows; expired rows stay (listed as expired)
 * until `purgeExpired` drops them.
 */
export class PeerBook implements LifecyclePart {
  readonly name = 'peer-book'
  private readonly path: string
  private readonly now: () => number
  private readonly maxPeers: number
  private db: DatabaseSync | undefined
  private statements: Statements | undefined

  /** Opens nothing: the file is opened by `start()`. */
  constructor(path: string, now: () => number = Date.now, maxPeers = MAX_PEERS) {
    this.path = path
    this.now = now
    this.maxPeers = maxPeers
  }

  start(): void {
    if (this.db?.isOpen) return
    const db = new DatabaseSync(this.path)
    db.exec(`
      PRAGMA journal_mode = WAL;
      PRAGMA synchronous = NORMAL;
      CREATE TABLE IF NOT EXISTS peers (
        peer_id TEXT PRIMARY KEY, multiaddrs TEXT NOT NULL, capabilities TEXT NOT NULL,
        registered_at INTEGER NOT NULL, updated_at INTEGER NOT NULL, expires_at INTEGER NOT NULL);
      CREATE INDEX IF NOT EXISTS peers_expiry ON peers (expires_at);
    `)
    this.statements = {
      get: db.prepare('SELECT * FROM peers WHERE peer_id = ?'),
      upsert: db.prepare(
        'INSERT INTO peers (peer_id, multiaddrs, capabilities, registered_at, updated_at, expires_at) VALUES (?, ?, ?, ?, ?, ?) ' +
          'ON CONFLICT(peer_id) DO UPDATE SET multiaddrs = excluded.multiaddrs, capabilities = excluded.capabilities, ' +
          'updated_at = excluded.updated_at, expires_at = excluded.expires_at',
      ),
      count: db.prepare('SELECT COUNT(*) AS n FROM peers'),
      page: db.prepare(`SELECT * FROM peers WHERE ${FILTER} ORDER BY peer_id LIMIT ? OFFSET ?`),
      total: db.prepare(`SELECT COUNT(*) AS n FROM peers WHERE ${FILTER}`),
      purge: db.prepare('DELETE FROM peers WHERE expires_at <= ?'),
    }
    this.db = db
  }

  stop(): void {
    if (this.db?.isOpen) this.db.close()
    this.db = undefined
    this.statements = undefined
  }

  /** Its file and connection while open, for the checkpointer (relay/store/checkpointer.ts). */
  walFile(): { path: string; db: DatabaseSync } | undefined {
    return this.db?.isOpen ? { path: this.path, db: this.db } : undefined
  }

  private get stmts(): Statements {
    if (this.statements === undefined) {
      throw new McppError('SHUTTING_DOWN', 'the peer book is closed: the relay is stopping')
    }
    return this.statements
  }

  /** Adds a peer or replaces what is known of it (its expiry restarts from now). */
  register(peer: PeerRegistration): { peer: RegisteredPeer; created: boolean } {
    const now = this.now()
    const existing = this.stmts.get.get(peer.peerId) as Row | undefined
    if (existing === undefined && (this.stmts.count.get() as { n: number }).n >= this.maxPeers) {
      throw new McppError(
        'QUOTA_EXCEEDED',
        `the peer book is full (${this.maxPeers.toLocaleString('en')} peers); p2p_peer_cleanup drops the expired ones`,
        { limit: this.maxPeers },
      )
    }
    const registeredAt = existing?.registered_at ?? now
    const expiresAt = now + peer.ttlMs
    this.stmts.upsert.run(
      peer.peerId,
      JSON.stringify(peer.multiaddrs),
      JSON.stringify(peer.capabilities),
      registeredAt,
      now,
      expiresAt,
    )
    return {
      peer: {
        peerId: peer.peerId,
        multiaddrs: [...peer.multiaddrs],
        capabilities: [...peer.capabilities],
        registeredAt,
        updatedAt: now,
        expiresAt,
      },
      created: existing === undefined,
    }
  }

  list(
    options: {
      capability?: string | undefined
      includeExpired?: boolean
      offset?: number
      limit?: number
    } = {},
  ): PeerPage {
    const filter = [
      options.includeExpired ? 1 : 0,
      this.now(),
      options.capability ?? null,
      options.capability ?? null,
    ] as const
    const rows = this.stmts.page.all(
      ...filter,
      options.limit ?? MAX_PEERS,
      options.offset ?? 0,
    ) as unknown as Row[]
    const { n } = this.stmts.total.get(...filter) as { n: number }
    return { peers: rows.map(fromRow), total: n }
  }

  /** Drops every peer whose TTL has passed; returns how many. */
  purgeExpired(): number {
    return Number(this.stmts.purge.run(this.now()).changes)
  }
}

function fromRow(row: Row): RegisteredPeer {
  return {
    peerId: row.peer_id,
    multiaddrs: JSON.parse(row.multiaddrs) as string[],
    capabilities: JSON.parse(row.capabilities) as string[],
    registeredAt: row.registered_at,
    updatedAt: row.updated_at,
    expiresAt: row.expires_at,
  }
}
