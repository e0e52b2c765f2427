import type { DatabaseSync } from 'node:sqlite'
import { ensureIncrementalVacuum } from '../../store/sqlite-vacuum.ts'
import { ATTEMPT_TABLES } from './attempt-schema.ts'
import { RETENTION_TABLES } from './task-retention-schema.ts'
import { WORKFLOW_TABLES } from './workflow-schema.ts'

/** Schema of the durable task queue (SQLite), kept in `PRAGMA user_version`. Bump with any change. */
export const SCHEMA_VERSION = 9

const TABLES = `
  CREATE TABLE IF NOT EXISTS tasks (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    input TEXT,
    input_cid TEXT,
    priority INTEGER NOT NULL,
    state TEXT NOT NULL,
    attempt INTEGER NOT NULL DEFAULT 0,
    max_attempts INTEGER NOT NULL,
    timeout_ms INTEGER NOT NULL,
    idempotency_key TEXT UNIQUE,
    requires TEXT NOT NULL,
    tags TEXT NOT NULL,
    metadata TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    not_before INTEGER NOT NULL,
    started_at INTEGER,
    finished_at INTEGER,
    -- When the current attempt started (leased, then reset when the worker starts it): timeouts run from here.
    leased_at INTEGER,
    worker_id TEXT,
    lease_token INTEGER,
    lease_expires_at INTEGER,
    progress TEXT,
    output TEXT,
    output_cid TEXT,
    error TEXT,
    previous_id TEXT,
    -- Version 3 (issue 9): the trust requirement (NULL = any), quorum votes so far, how
    -- the result was verified, who submitted it, and the worker whose result is unverified.
    trust TEXT,
    votes TEXT,
    verification TEXT,
    submitter TEXT,
    unverified_peer TEXT
  );
  -- Active tasks by worker (release on disconnect, lease renewal).
  CREATE INDEX IF NOT EXISTS tasks_active ON tasks (worker_id) WHERE state IN ('leased', 'running');
  -- Counts and listings by state; the rowid (seq) makes it ordered by seq within a state.
  CREATE INDEX IF NOT EXISTS tasks_state ON tasks (state);
  -- The fencing counter: every lease takes the next value, never reused, also across restarts.
  CREATE TABLE IF NOT EXISTS queue_meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
  INSERT OR IGNORE INTO queue_meta (key, value) VALUES ('fence', 0);
  -- Version 4 (issue 10): every task kind a worker has announced, so that a kind nobody
  -- runs is caught on submit also after a restart (tasks.unknownKinds).
  CREATE TABLE IF NOT EXISTS known_kinds (kind TEXT PRIMARY KEY, last_seen INTEGER NOT NULL);
  CREATE INDEX IF NOT EXISTS known_kinds_seen ON known_kinds (last_seen);
  -- Version 5 (issue 11): tasks a member relay (the owner) handed to this one, with the
  -- owner's id and fencing token for them; a row stays until its result was delivered
  -- to the owner (the durable outbox), or the owner's lease ran out (abandoned_at).
  CREATE TABLE IF NOT EXISTS forwarded_in (
    task_id TEXT PRIMARY KEY,
    relay TEXT NOT NULL,
    remote_id TEXT NOT NULL,
    fence INTEGER NOT NULL,
    lease_ms INTEGER NOT NULL,
    renewed_at INTEGER NOT NULL,
    delivered_at INTEGER,
    UNIQUE (relay, remote_id, fence)
  );
  CREATE INDEX IF NOT EXISTS forwarded_in_open ON forwarded_in (relay) WHERE delivered_at IS NULL;
`

/**
 * Leasing reads one "lease group" (a kind and an exact requires list) at a time, best
 * first: higher priority, then FIFO. The group prefix means tasks that a worker cannot
 * run (another kind, a capability it lacks) are never walked; not_before makes the
 * index covering for the candidate query.
 */
const LEASE_INDEX = `
  CREATE INDEX IF NOT EXISTS tasks_lease ON tasks (kind, requires, priority DESC, seq, not_before, votes)
    WHERE state = 'queued';
`

/**
 * Results of workers that were never checked, by worker, to re-run them when that
 * worker is caught lying; queued work by submitter, for the per-identity quota.
 */
const TRUST_INDEXES = `
  CREATE INDEX IF NOT EXISTS tasks_unverified ON tasks (unverified_peer, finished_at)
    WHERE unverified_peer IS NOT NULL;
  CREATE INDEX IF NOT EXISTS tasks_submitter ON tasks (submitter)
    WHERE state IN ('queued', 'leased', 'running');
`

/**
 * Version 8 (issue 13): the task listing's orders (task-order.ts), each walked in order
 * by an index with no filter and with each filter the dashboard uses, so no page sorts
 * or scans the whole table. By seq: the rowid (no filter), tasks_state, tasks_kind,
 * tasks_worker. By priority, then seq: the other four. Kind never changes and priority
 * rarely; worker indexes are partial, so a submit writes four more index entries and a
 * lease or settle two or three. The queue's own hot statements name their index
 * (INDEXED BY) so that these cannot lure them into walking a worker's or kind's history.
 */
const LIST_INDEXES = `
  CREATE INDEX IF NOT EXISTS tasks_kind ON tasks (kind);
  CREATE INDEX IF NOT EXISTS tasks_worker ON tasks (worker_id) WHERE worker_id IS NOT NULL;
  CREATE INDEX IF NOT EXISTS tasks_priority ON tasks (priority DESC, seq);
  CREATE INDEX IF NOT EXISTS tasks_state_priority ON tasks (state, priority DESC, seq);
  CREATE INDEX IF NOT EXISTS tasks_kind_priority ON tasks (kind, priority DESC, seq);
  CREATE INDEX IF NOT EXISTS tasks_worker_priority ON tasks (worker_id, priority DESC, seq)
    WHERE worker_id IS NOT NULL;
`

const V3_COLUMNS = ['trust', 'votes', 'verification', 'submitter', 'unverified_peer']

/** Creates the schema or upgrades an older one; refuses a newer one. Runs in one transaction. */
export function migrate(db: DatabaseSync, path: string): void {
  const version = (db.prepare('PRAGMA user_version').get() as { user_version: number }).user_version
  if (version > SCHEMA_VERSION) {
    throw new Error(`${path}: task queue schema version ${version} is newer than this relay understands`)
  }
  if (version === SCHEMA_VERSION) return
  // Version 9 (issue 16): free pages go back to the OS after retention sweeps; a file
  // made before is rewritten once (VACUUM, outside the transaction below).
  ensureIncrementalVacuum(db)
  db.exec('BEGIN IMMEDIATE')
  try {
    db.exec(TABLES)
    // Version 1 leased from one (priority, seq) index over all queued tasks.
    if (version < 2) db.exec('DROP INDEX IF EXISTS tasks_queued')
    if (version >= 1 && version < 3) {
      const present = new Set(
        (db.prepare('PRAGMA table_info(tasks)').all() as Array<{ name: string }>).map((c) => c.name),
      )
      for (const column of V3_COLUMNS) {
        if (!present.has(column)) db.exec(`ALTER TABLE tasks ADD COLUMN ${column} TEXT`)
      }
      // The lease index now covers votes (a peer never leases a task it already answered).
      db.exec('DROP INDEX IF EXISTS tasks_lease')
    }
    db.exec(LEASE_INDEX)
    db.exec(TRUST_INDEXES)
    // Version 6 (issue 12): workflows, their steps and map items, and the trigger that
    // moves a step when its task settles (workflow-schema.ts). Older tasks are untouched.
    db.exec(WORKFLOW_TABLES)
    // Version 7 (issue 13): each task's attempt history, written by a trigger when a lease
    // ends (attempt-schema.ts). Attempts before the upgrade are not known: none are listed.
    db.exec(ATTEMPT_TABLES)
    db.exec(LIST_INDEXES)
    // Version 9 (issue 16): what retention walks and the record of expired tasks.
    db.exec(RETENTION_TABLES)
    db.exec(`PRAGMA user_version = ${SCHEMA_VERSION}`)
    db.exec('COMMIT')
  } catch (err) {
    // Already rolled back by SQLite after SQLITE_FULL: keep the error that says why.
    if (db.isTransaction) db.exec('ROLLBACK')
    throw err
  }
}
