/**
 * Version 7 of the task queue's schema (issue 13, the dashboard's task detail): the
 * history of a task's attempts, one row each time a lease ends (leased/running →
 * anything else), with who held it, when it ran, how it ended and the error.
 *
 * Why a trigger writes it (as workflow-schema.ts explains for workflows): every path
 * that ends a lease — a worker's result, a timeout, lease expiry, a lost worker, cancel,
 * a quorum answer, a hand-off given back, the relay's own stop — ends in an
 * `UPDATE tasks SET state = …`. A trigger on that update cannot be forgotten by a settle
 * path written later, and it commits with the settlement.
 *
 * Rows are keyed by the task's seq and the lease's fencing token (unique per lease,
 * growing), so they read back oldest first from the primary key alone (WITHOUT ROWID:
 * one B-tree write per row, no second index). `attempt` is the task's attempt number
 * under that lease; a lease whose attempt was given back (`returned`, `answered`) shares
 * its number with the next one.
 *
 * Outcomes: succeeded, failed, cancelled (the task ended); requeued (it goes back to the
 * queue and the lease counted as an attempt: a retried failure, a lost worker, an expired
 * lease; the error says which); returned (the attempt was given back: the relay stopped,
 * or a member relay refused the hand-off); answered (a quorum answer was counted and one
 * more is needed).
 *
 * Bound: a task keeps at most its max attempts plus EXTRA_ATTEMPT_ROWS rows; the oldest
 * go first. Leases that count as attempts are bounded by max attempts, but answers
 * (up to 2K+1 for quorum:K, K ≤ 5), returned leases and results thrown away when their
 * worker was caught lying (the task starts over at attempt 0) are not; the cap means no
 * worker can grow the table without bound, and the newest rows, which say how the task
 * ended, are always kept.
 */

/** Rows kept beyond a task's max attempts: quorum:5's 11 answers and a few returned leases. */
export const EXTRA_ATTEMPT_ROWS = 16

const ACTIVE = `('leased', 'running')`

/** How a lease ended, from the task row before and after the update. */
const OUTCOME = `CASE
      WHEN NEW.state IN ('succeeded', 'failed', 'cancelled') THEN NEW.state
      WHEN NEW.votes IS NOT OLD.votes THEN 'answered'
      WHEN NEW.attempt < OLD.attempt THEN 'returned'
      ELSE 'requeued' END`

export const ATTEMPT_TABLES = `
  CREATE TABLE IF NOT EXISTS task_attempts (
    task_seq INTEGER NOT NULL,
    lease_token INTEGER NOT NULL,
    attempt INTEGER NOT NULL,
    -- The worker id that held the lease; 'relay:<peer id>' for a member relay.
    worker TEXT,
    -- When the attempt started (the worker's start notice, else the lease) and ended.
    started_at INTEGER,
    ended_at INTEGER NOT NULL,
    outcome TEXT NOT NULL,
    error TEXT,
    PRIMARY KEY (task_seq, lease_token)
  ) WITHOUT ROWID;

  CREATE TRIGGER IF NOT EXISTS task_lease_ended AFTER UPDATE OF state ON tasks
  WHEN OLD.state IN ${ACTIVE} AND NEW.state NOT IN ${ACTIVE}
  BEGIN
    -- Makes room: keeps the newest (max attempts + extra - 1) rows before adding one.
    DELETE FROM task_attempts WHERE task_seq = OLD.seq AND lease_token <= (
      SELECT lease_token FROM task_attempts WHERE task_seq = OLD.seq
      ORDER BY lease_token DESC LIMIT 1 OFFSET OLD.max_attempts + ${EXTRA_ATTEMPT_ROWS} - 1);
    -- OR REPLACE: a history row must never make a settlement fail.
    INSERT OR REPLACE INTO task_attempts
      (task_seq, lease_token, attempt, worker, started_at, ended_at, outcome, error)
    VALUES (OLD.seq, COALESCE(OLD.lease_token, 0), OLD.attempt, OLD.worker_id, OLD.leased_at,
      NEW.updated_at, ${OUTCOME},
      CASE WHEN NEW.state = 'succeeded' OR (NEW.state = 'queued' AND NEW.votes IS NOT OLD.votes)
        THEN NULL ELSE NEW.error END);
  END;
`
