/**
 * Version 6 of the task queue's schema (issue 12): durable workflows, their steps and
 * the items of map steps, in the same SQLite file as the tasks they run, so that a
 * task's settlement and its step's update commit together.
 *
 * Why a trigger links them: every path that finishes a task (a worker's result through
 * applyRound/settleMany, a timeout, lease expiry with no attempts left, release of a lost
 * worker, cancel, quorum votes, hand-offs) ends in an `UPDATE tasks SET state = …`. A
 * trigger on that update moves the step or item whose current task it is, inside the
 * very statement's transaction. A hook called from TaskTransitions would have to be
 * remembered by every settle path written later; the trigger cannot be forgotten. Its
 * cost for tasks outside workflows is two probes of partial indexes (task_id IS NOT NULL).
 *
 * Fencing: a step or item names the task of its current attempt (task_id) and the
 * trigger only touches a row that is `running` under exactly that task, so the late
 * result of an earlier attempt's task moves nothing.
 *
 * Retries belong to the step: a failed task puts its step (or item) back to `pending`
 * (error kept) while attempts are left, else `failed`; the engine starts the next
 * attempt with a new task. An engine that lets the queue retry should submit each
 * attempt's task with maxAttempts 1.
 *
 * Not followed: a succeeded task whose result is later discarded (its worker caught
 * lying, discardUnverified: succeeded → queued) leaves its step succeeded; what the
 * workflow should do then is the engine's to decide.
 */

const FINAL_TASK = `('succeeded', 'failed', 'cancelled')`

/** Where the attempt ran, from the worker that held the task's lease (OLD.worker_id). */
const PLACEMENT_FROM_LEASE = `CASE
      WHEN OLD.worker_id IS NULL THEN placement
      WHEN OLD.worker_id LIKE 'relay:%' THEN json_set(COALESCE(placement, '{}'), '$.relay', substr(OLD.worker_id, 7))
      ELSE json_set(COALESCE(placement, '{}'), '$.worker', OLD.worker_id) END`

/** The settled task's outcome as a step/item state; `limit` is the expression for max attempts. */
function outcomeState(limit: string): string {
  return `CASE WHEN ${retries(limit)} THEN 'pending' ELSE NEW.state END`
}

/** A failed attempt is retried while attempts are left and the workflow still runs (not cancelled). */
function retries(limit: string): string {
  return `NEW.state = 'failed' AND attempt < ${limit}
      AND EXISTS (SELECT 1 FROM workflows w WHERE w.id = workflow_id AND w.state = 'running')`
}

function finishedAt(limit: string): string {
  return `CASE WHEN ${retries(limit)} THEN NULL ELSE NEW.finished_at END`
}

/** The columns a settled task writes into its step or item row. */
function settleColumns(limit: string): string {
  return `state = ${outcomeState(limit)},
      output = CASE WHEN NEW.state = 'succeeded' THEN NEW.output END,
      output_cid = CASE WHEN NEW.state = 'succeeded' THEN NEW.output_cid END,
      error = CASE WHEN NEW.state = 'succeeded' THEN NULL ELSE NEW.error END,
      placement = ${PLACEMENT_FROM_LEASE},
      finished_at = ${finishedAt(limit)}`
}

export const WORKFLOW_TABLES = `
  -- seq is the creation order (cursor paging, newest first); id is the public name.
  CREATE TABLE IF NOT EXISTS workflows (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    name TEXT,
    state TEXT NOT NULL,
    on_failure TEXT NOT NULL,
    idempotency_key TEXT UNIQUE,
    tags TEXT NOT NULL,
    submitter TEXT,
    spec TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    finished_at INTEGER
  );
  -- Listing by state, newest first (the rowid seq completes the key); running ones at restart.
  CREATE INDEX IF NOT EXISTS workflows_state ON workflows (state, created_at);
  CREATE INDEX IF NOT EXISTS workflows_submitter ON workflows (submitter, created_at) WHERE submitter IS NOT NULL;
  CREATE TABLE IF NOT EXISTS workflow_steps (
    workflow_id TEXT NOT NULL,
    step_id TEXT NOT NULL,
    -- The step's place in the spec, so a workflow's steps read back in the order given.
    position INTEGER NOT NULL,
    type TEXT NOT NULL,
    state TEXT NOT NULL,
    attempt INTEGER NOT NULL DEFAULT 0,
    max_attempts INTEGER NOT NULL,
    task_id TEXT,
    output TEXT,
    output_cid TEXT,
    error TEXT,
    placement TEXT,
    created_at INTEGER NOT NULL,
    started_at INTEGER,
    finished_at INTEGER,
    PRIMARY KEY (workflow_id, step_id)
  );
  CREATE INDEX IF NOT EXISTS workflow_steps_state ON workflow_steps (workflow_id, state);
  CREATE INDEX IF NOT EXISTS workflow_steps_task ON workflow_steps (task_id) WHERE task_id IS NOT NULL;
  -- One row per item of a map step (attempts as the map step's max_attempts).
  CREATE TABLE IF NOT EXISTS workflow_items (
    workflow_id TEXT NOT NULL,
    step_id TEXT NOT NULL,
    item_index INTEGER NOT NULL,
    state TEXT NOT NULL,
    attempt INTEGER NOT NULL DEFAULT 0,
    task_id TEXT,
    output TEXT,
    output_cid TEXT,
    error TEXT,
    placement TEXT,
    started_at INTEGER,
    finished_at INTEGER,
    PRIMARY KEY (workflow_id, step_id, item_index)
  );
  -- Items of a step by state (the next pending ones by index, counts for status).
  CREATE INDEX IF NOT EXISTS workflow_items_state ON workflow_items (workflow_id, step_id, state, item_index);
  CREATE INDEX IF NOT EXISTS workflow_items_task ON workflow_items (task_id) WHERE task_id IS NOT NULL;

  CREATE TRIGGER IF NOT EXISTS workflow_task_settled AFTER UPDATE OF state ON tasks
  WHEN NEW.state IN ${FINAL_TASK} AND OLD.state NOT IN ${FINAL_TASK}
  BEGIN
    UPDATE workflow_steps SET ${settleColumns('max_attempts')}
    WHERE task_id = NEW.id AND state = 'running';
    UPDATE workflow_items SET ${settleColumns(
      `(SELECT s.max_attempts FROM workflow_steps s
        WHERE s.workflow_id = workflow_items.workflow_id AND s.step_id = workflow_items.step_id)`,
    )}
    WHERE task_id = NEW.id AND state = 'running';
    UPDATE workflows SET updated_at = NEW.updated_at
    WHERE id IN (SELECT workflow_id FROM workflow_steps WHERE task_id = NEW.id
      UNION ALL SELECT workflow_id FROM workflow_items WHERE task_id = NEW.id);
  END;
`
