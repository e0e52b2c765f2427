import type { Counter } from 'prom-client'
import { valueDeeperThan } from '../../shared/json-depth.ts'
import { checkKindOutput, MAX_OUTPUT_DEPTH } from '../../shared/task/kinds/output-check.ts'
import type { KindOutcome } from '../../shared/task/kinds/run-kind.ts'
import type { TaskRecord } from '../../shared/task/types.ts'
import { outcomeDigest } from '../../shared/trust/outcome-digest.ts'
import type { Verification } from '../../shared/trust/trust-policy.ts'
import { cidOf } from '../../shared/wire/block-protocol.ts'
import type { TaskResultMessage } from '../../shared/wire/task-messages.ts'
import type { Logger } from '../log.ts'
import type { PeerStandingStore } from '../trust/peer-standing-store.ts'
import type { Verifier } from '../trust/verifier.ts'
import type { Settle, VoteItem, VoteResult } from './store/task-store.ts'
import type { ConnectedWorker, HeldTask } from './workers/connected-worker.ts'

export interface ResultIntakeInit {
  standing: PeerStandingStore
  verifier: Verifier
  log: Logger
  random: () => number
  /** Answers refused by the output checks, by problem. */
  violations: Counter<'problem'>
  /** Verified answers by trust level and outcome (agreed, disagreed, unverified). */
  verifications: Counter<'trust' | 'outcome'>
  /** Answers under a lease that is no longer the task's. */
  staleResults: Counter
  /** Queues a settlement for the next round. */
  settle(item: Settle): void
  /** Queues a quorum answer for the next round. */
  vote(item: VoteItem): void
  backoffMs(taskId: string): number
}

type Failure = Extract<TaskResultMessage, { ok: false }>

/**
 * Where a worker's answer becomes a settlement, and where it is distrusted (issue 9).
 * Every answer is checked against its kind's output bounds first (a violation fails
 * that attempt and is a strike). Then the task's trust requirement decides: `any`
 * settles on this worker's word (recorded as unverified, so it can be re-run if the
 * worker is caught lying); `quorum` adds a vote; `spot-check` recomputes a sample on
 * the relay, off the event loop, and settles only when the two agree.
 */
export class ResultIntake {
  private readonly init: ResultIntakeInit

  constructor(init: ResultIntakeInit) {
    this.init = init
  }

  accept(worker: ConnectedWorker, held: HeldTask, raw: TaskResultMessage): void {
    const result = raw.ok ? this.checked(worker, held, raw) : raw
    const trust = held.trust
    if (trust.level === 'quorum' && (result.ok || !result.retryable)) {
      this.init.vote({
        vote: { peer: worker.peerId, digest: outcomeDigest(result) },
        k: trust.k,
        outcome: this.settlement(result, undefined),
      })
      return
    }
    if (trust.level === 'spot-check' && (result.ok ? this.init.random() < trust.rate : !result.retryable)) {
      void this.spotCheck(worker, held, result)
      return
    }
    this.init.settle(this.settlement(result, worker.peerId))
  }

  /**
   * After a round: quorum decisions become reputation (the peers that agreed gain, the
   * ones a quorum outvoted are banned). Returns the tasks that changed.
   */
  tallied(voted: readonly VoteResult[]): TaskRecord[] {
    const tasks: TaskRecord[] = []
    for (const v of voted) {
      if (!v.ok) {
        this.init.staleResults.inc()
        continue
      }
      if (v.tally.decision === 'accept') {
        for (const peer of v.tally.agreed) this.init.standing.record(peer, 'agreed')
        this.init.verifications.inc({ trust: 'quorum', outcome: 'agreed' }, v.tally.agreed.length)
        for (const peer of v.tally.dissent) {
          this.init.log.warn('quorum outvoted a wrong answer', { peerId: peer, taskId: v.task.id })
          this.init.standing.record(peer, 'disagreed')
        }
        this.init.verifications.inc({ trust: 'quorum', outcome: 'disagreed' }, v.tally.dissent.length)
      }
      tasks.push(v.task)
    }
    return tasks
  }

  /** The kind's output bounds; an answer outside them is a strike and a retryable failure. */
  private checked(worker: ConnectedWorker, held: HeldTask, result: TaskResultMessage & { ok: true }) {
    let problem: string | undefined
    if (result.outputCid !== undefined) {
      if (!held.outputCids?.has(result.outputCid))
        problem = 'the output block was not stored by this worker for this task'
    } else if (held.inputCid === null) {
      problem = checkKindOutput(held.kind, held.input, result.output)
    } else if (valueDeeperThan(result.output, MAX_OUTPUT_DEPTH)) {
      // The input is a block the relay does not hold in memory: the generic bound only.
      problem = `output nests deeper than ${MAX_OUTPUT_DEPTH} levels`
    }
    if (problem === undefined) return result
    this.init.violations.inc({ problem: 'invalid_output' })
    this.init.standing.record(worker.peerId, 'violation')
    this.init.log.warn('worker output refused', {
      workerId: worker.id,
      taskId: result.taskId,
      kind: held.kind,
      problem,
    })
    const failure: Failure = {
      taskId: result.taskId,
      token: result.token,
      ok: false,
      error: { code: 'INVALID_OUTPUT', message: `the worker's output was refused: ${problem}` },
      retryable: true,
      durationMs: result.durationMs,
    }
    return failure
  }

  private settlement(
    result: TaskResultMessage,
    unverifiedPeer: string | undefined,
    verification?: Verification,
  ): Settle {
    if (result.ok) {
      return {
        id: result.taskId,
        token: result.token,
        ok: true,
        output: result.output,
        ...(result.outputCid === undefined ? {} : { outputCid: result.outputCid }),
        ...(unverifiedPeer === undefined || verification !== undefined ? {} : { unverifiedPeer }),
        ...(verification === undefined ? {} : { verification }),
      }
    }
    return {
      id: result.taskId,
      token: result.token,
      ok: false,
      error: result.error,
      retryable: result.retryable,
      retryDelayMs: this.init.backoffMs(result.taskId),
      ...(verification === undefined ? {} : { verification }),
    }
  }

  /** Recomputes on the relay and settles on agreement; a wrong answer bans the worker and the task runs again. */
  private async spotCheck(worker: ConnectedWorker, held: HeldTask, result: TaskResultMessage): Promise<void> {
    const { peerId } = worker
    try {
      const input = held.inputCid === null ? held.input : undefined
      if (input === undefined && held.inputCid !== null) throw new Error('input held as a block')
      const truth = await this.init.verifier.recompute(held.kind, input, 60_000)
      if (!truth.ok && truth.retryable) throw new Error(`recompute failed: ${truth.error.message}`)
      const agreed = (await this.digestOf(truth, result)) === outcomeDigest(result)
      this.init.verifications.inc({ trust: 'spot-check', outcome: agreed ? 'agreed' : 'disagreed' })
      if (agreed) {
        this.init.standing.record(peerId, 'agreed')
        const verification: Verification = {
          trust: 'spot-check',
          verified: true,
          workers: [peerId],
          recomputedBy: 'relay',
        }
        this.init.settle(this.settlement(result, undefined, verification))
        return
      }
      this.init.log.warn('spot-check caught a wrong answer', {
        workerId: worker.id,
        taskId: result.taskId,
        kind: held.kind,
      })
      this.init.standing.record(peerId, 'disagreed')
      this.init.settle({
        id: result.taskId,
        token: result.token,
        ok: false,
        error: {
          code: 'WRONG_ANSWER',
          message: 'a spot-check on the relay disagreed with the worker; the task runs again',
        },
        retryable: true,
        retryDelayMs: 0,
      })
    } catch (err) {
      // The relay could not check it: the answer stands on the worker's word, and says so.
      this.init.verifications.inc({ trust: 'spot-check', outcome: 'unverified' })
      this.init.log.debug('spot-check skipped', { taskId: result.taskId, error: (err as Error).message })
      this.init.settle(this.settlement(result, peerId))
    }
  }

  /** The relay's answer in the form the worker's took (a CID when the worker's output travelled as a block). */
  private async digestOf(truth: KindOutcome, result: TaskResultMessage): Promise<string> {
    if (truth.ok && result.ok && result.outputCid !== undefined) {
      const bytes = new TextEncoder().encode(JSON.stringify(truth.output ?? null))
      return outcomeDigest({ ok: true, outputCid: (await cidOf(bytes)).toString() })
    }
    return outcomeDigest(truth)
  }
}
