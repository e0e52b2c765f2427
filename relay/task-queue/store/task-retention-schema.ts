/**
 * Version 9 of the task queue's schema (issue 16, retention): what a sweep needs to find
 * and remove finished tasks and workflows cheaply, and to answer for them afterwards.
 *
 * - `expired_tasks`: one row per removed task (id, when), so that get_result, status and
 *   wait answer "expired at …" rather than guess. Bounded like the tasks themselves: rows
 *   older than retention.taskMaxAgeSeconds, and the oldest beyond retention.taskMaxCount,
 *   are trimmed by the same sweep (about 60 bytes a row: 6 MB at the default count).
 * - `orphan_blocks`: payload CIDs of removed rows, written in the transaction that removes
 *   them; the sweep deletes each block that nothing references any more and is not
 *   pinned, then the row. A crash between the two loses no block to a leak.
 * - Partial indexes: finished tasks and workflows by (finished_at, seq), walked oldest
 *   first; payload CIDs, probed to know whether a live row still references a block.
 *   Only rows that have the value are indexed, so small tasks pay nothing for them.
 */
export const RETENTION_TABLES = `
  CREATE TABLE IF NOT EXISTS expired_tasks (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    expired_at INTEGER NOT NULL
  );
  CREATE TABLE IF NOT EXISTS orphan_blocks (cid TEXT PRIMARY KEY) WITHOUT ROWID;
  CREATE INDEX IF NOT EXISTS tasks_finished ON tasks (finished_at, seq)
    WHERE state IN ('succeeded', 'failed', 'cancelled');
  CREATE INDEX IF NOT EXISTS tasks_input_cid ON tasks (input_cid) WHERE input_cid IS NOT NULL;
  CREATE INDEX IF NOT EXISTS tasks_output_cid ON tasks (output_cid) WHERE output_cid IS NOT NULL;
  CREATE INDEX IF NOT EXISTS workflows_finished ON workflows (finished_at, seq)
    WHERE state IN ('succeeded', 'failed', 'cancelled');
  CREATE INDEX IF NOT EXISTS workflow_steps_output_cid ON workflow_steps (output_cid)
    WHERE output_cid IS NOT NULL;
  CREATE INDEX IF NOT EXISTS workflow_items_output_cid ON workflow_items (output_cid)
    WHERE output_cid IS NOT NULL;
`
