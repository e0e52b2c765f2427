/** Schema of the durable task queue (SQLite). Bump SCHEMA_VERSION with any change. */
export const SCHEMA_VERSION = 1

export const TASK_SCHEMA = `
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
    leased_at INTEGER,
    worker_id TEXT,
    lease_token INTEGER,
    lease_expires_at INTEGER,
    progress TEXT,
    output TEXT,
    output_cid TEXT,
    error TEXT,
    previous_id TEXT
  );
  -- Leasing walks queued tasks best-first: higher priority, then FIFO.
  CREATE INDEX IF NOT EXISTS tasks_queued ON tasks (priority DESC, seq) WHERE state = 'queued';
  CREATE INDEX IF NOT EXISTS tasks_active ON tasks (worker_id) WHERE state IN ('leased', 'running');
  CREATE INDEX IF NOT EXISTS tasks_state ON tasks (state);
  CREATE TABLE IF NOT EXISTS queue_meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
  INSERT OR IGNORE INTO queue_meta (key, value) VALUES ('fence', 0);
`
