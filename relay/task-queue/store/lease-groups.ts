import type { DatabaseSync, StatementSync } from 'node:sqlite'
import { canRun, type WorkerOffer } from '../../../shared/task/eligibility.ts'

/** Requires lists as stored (JSON text) → parsed, or null when unreadable (never eligible). */
type Groups = Map<string, string[] | null>

/**
 * Picks the best queued tasks a worker can run without walking tasks it cannot run.
 * Queued tasks fall into "lease groups": one kind with one exact `requires` list
 * (a handful in practice). The groups of all unfinished tasks are cached here; for a
 * worker, only the groups it is eligible for are read, each through the `tasks_lease`
 * index (priority DESC, seq) with LIMIT, and the heads are merged. So a lease costs
 * O(groups × limit) index entries however many tasks are queued, and a mass of
 * tasks needing a capability no worker has cannot starve the rest.
 *
 * Invariant: every task that is or may again be queued has its group cached; tasks
 * enter the queue only through `add` (submit, resubmit) or by going back to the queue
 * from a lease, and leased tasks' groups are loaded with the queued ones.
 */
export class LeaseGroups {
  private readonly byKind = new Map<string, Groups>()
  private readonly loadAll: StatementSync
  private readonly candidates: StatementSync
  private size = 0
  private reloadAt = 0

  constructor(db: DatabaseSync) {
    this.loadAll = db.prepare(`SELECT DISTINCT kind, requires FROM tasks INDEXED BY tasks_lease
      WHERE state = 'queued' UNION SELECT kind, requires FROM tasks WHERE state IN ('leased', 'running')`)
    this.candidates = db.prepare(`SELECT seq, priority FROM tasks INDEXED BY tasks_lease
      WHERE state = 'queued' AND kind = ? AND requires = ? AND not_before <= ?
      AND (votes IS NULL OR instr(votes, ?) = 0)
      ORDER BY priority DESC, seq LIMIT ?`)
    this.reload()
  }

  /** Registers the group of a task entering the queue. */
  add(kind: string, requires: string): void {
    let groups = this.byKind.get(kind)
    if (!groups) {
      groups = new Map()
      this.byKind.set(kind, groups)
    }
    if (groups.has(requires)) return
    groups.set(requires, parseRequires(requires))
    this.size++
  }

  /** Seqs of up to `limit` ready queued tasks the worker can run, best first. */
  pick(worker: WorkerOffer, now: number, limit: number, peerId: string): number[] {
    // Votes are stored as JSON; a quoted PeerId inside them means this peer already answered.
    const voted = JSON.stringify(peerId)
    // Groups whose tasks all finished linger; rebuilding from the database drops them (amortised O(1)).
    if (this.size > this.reloadAt) this.reload()
    const heads: Array<{ seq: number; priority: number }> = []
    for (const kind of worker.kinds) {
      for (const [text, requires] of this.byKind.get(kind) ?? []) {
        if (requires === null || !canRun({ kind, requires }, worker)) continue
        const rows = this.candidates.all(kind, text, now, voted, limit) as Array<{
          seq: number
          priority: number
        }>
        for (const row of rows) heads.push(row)
      }
    }
    heads.sort((a, b) => b.priority - a.priority || a.seq - b.seq)
    return heads.slice(0, limit).map((h) => h.seq)
  }

  private reload(): void {
    this.byKind.clear()
    this.size = 0
    for (const row of this.loadAll.all() as Array<{ kind: string; requires: string }>) {
      this.add(row.kind, row.requires)
    }
    this.reloadAt = 2 * this.size + 256
  }
}

function parseRequires(text: string): string[] | null {
  if (text === '[]') return []
  try {
    const value: unknown = JSON.parse(text)
    return Array.isArray(value) && value.every((c) => typeof c === 'string') ? value : null
  } catch {
    return null
  }
}
