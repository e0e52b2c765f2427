import type { TaskRecord } from '../../../shared/task/types.ts'
import type { LeaseGroups } from './lease-groups.ts'
import type { Settle, SettleResult, TaskTransitions, VoteItem, VoteResult } from './task-transitions.ts'

type Tx = <T>(fn: () => T) => T

/**
 * The dispatcher's group commits: what one round of results brings (tasks started,
 * settlements, quorum answers) and the answers of a worker caught cheating, each in
 * one transaction of the TaskStore, each item fenced on its own (TaskTransitions). A
 * task queued again here gets its lease group known (LeaseGroups).
 */
export class TaskRounds {
  private readonly transitions: TaskTransitions
  private readonly groups: LeaseGroups
  private readonly tx: Tx

  constructor(transitions: TaskTransitions, groups: LeaseGroups, tx: Tx) {
    this.transitions = transitions
    this.groups = groups
    this.tx = tx
  }

  /** Settlements (results of one round) in one transaction; each is fenced on its own. */
  settleMany(items: readonly Settle[]): SettleResult[] {
    return this.tx(() => items.map((item) => this.transitions.settle(item)))
  }

  /** One group commit: tasks that started running, then settlements. */
  applyRound(
    started: ReadonlyArray<{ id: string; token: number }>,
    settles: readonly Settle[],
    votes: readonly VoteItem[],
  ): { settled: SettleResult[]; voted: VoteResult[] } {
    return this.tx(() => {
      for (const { id, token } of started) this.transitions.markRunning(id, token)
      const settled = settles.map((item) => this.transitions.settle(item))
      const voted = votes.map((item) => this.transitions.vote(item))
      // A task that needs another answer is queued again: its lease group must be known.
      for (const v of voted)
        if (v.ok && v.task.state === 'queued') this.groups.add(v.task.kind, JSON.stringify(v.task.requires))
      return { settled, voted }
    })
  }

  /** Quorum answers of one round, in one transaction; each is fenced on its own. */
  voteMany(items: readonly VoteItem[]): VoteResult[] {
    return this.tx(() => items.map((item) => this.transitions.vote(item)))
  }

  /**
   * A worker was caught giving a wrong answer: the results it gave that nobody checked,
   * finished since `since`, are thrown away and their tasks queued again (at most `limit`).
   */
  discardUnverified(peerId: string, since: number, limit: number): TaskRecord[] {
    return this.tx(() => {
      const tasks = this.transitions.discardUnverified(peerId, since, limit)
      for (const task of tasks) this.groups.add(task.kind, JSON.stringify(task.requires))
      return tasks
    })
  }
}
