import { canRun } from './eligibility.ts'
import type { TaskRecord } from './types.ts'

/** A connected worker as the explanation needs it. */
export interface WorkerLoad {
  kinds: ReadonlySet<string>
  capabilities: ReadonlySet<string>
  /** Tasks it runs at once (its compute slots). */
  slots: number
  /** Tasks it holds now (running and buffered). */
  inFlight: number
  /** Tasks the relay may still assign to it (0 while busy, draining or penalised). */
  free: number
  draining: boolean
}

export interface PendingFacts {
  task: Pick<
    TaskRecord,
    'kind' | 'requires' | 'state' | 'notBefore' | 'workerId' | 'attempt' | 'maxAttempts' | 'trust' | 'votes'
  >
  workers: readonly WorkerLoad[]
  /** Queued tasks of the same kind that run first; `aheadAtLeast` when the count was cut off. */
  queuedAhead: number
  aheadAtLeast?: boolean
  now: number
}

/**
 * Why an unfinished task has not finished, in words a caller can act on (issue 10):
 * "no connected worker announces kind sha256", "all 2 capable workers are busy (4/4
 * slots)", "queued behind 12 tasks". Undefined for a finished task.
 */
export function pendingReason(facts: PendingFacts): string | undefined {
  const { task, workers } = facts
  if (task.state === 'running')
    return `running on worker ${task.workerId} (attempt ${task.attempt} of ${task.maxAttempts})`
  if (task.state === 'leased') return `assigned to worker ${task.workerId}, waiting in its buffer to start`
  if (task.state !== 'queued') return undefined
  const announcing = workers.filter((w) => w.kinds.has(task.kind))
  if (workers.length === 0) return `no worker is connected (kind "${task.kind}" waits for one)`
  if (announcing.length === 0) return `no connected worker announces kind "${task.kind}"`
  const capable = announcing.filter((w) => canRun(task, w))
  if (capable.length === 0) {
    return `no connected worker announcing kind "${task.kind}" has the capabilities it requires (${task.requires.join(', ')})`
  }
  const open = capable.filter((w) => !w.draining)
  if (open.length === 0) return `${everyCapable(capable.length)} draining`
  if (task.notBefore > facts.now) {
    return `waiting ${task.notBefore - facts.now} ms before attempt ${task.attempt + 1} of ${task.maxAttempts} (retry backoff)`
  }
  if (task.trust.level === 'quorum' && task.votes.length > 0) {
    return `quorum: ${task.votes.length} of ${task.trust.k} answers; waiting for a capable worker that has not answered yet`
  }
  if (open.every((w) => w.free === 0)) {
    const slots = open.reduce((n, w) => n + w.slots, 0)
    const used = open.reduce((n, w) => n + Math.min(w.inFlight, w.slots), 0)
    return `${everyCapable(open.length)} busy (${used}/${slots} slots)`
  }
  if (facts.queuedAhead > 0) {
    return `queued behind ${facts.aheadAtLeast ? 'at least ' : ''}${count(facts.queuedAhead, 'task')} of kind "${task.kind}"`
  }
  return 'about to be assigned to a worker'
}

function everyCapable(n: number): string {
  return n === 1 ? 'the only capable worker is' : `all ${n} capable workers are`
}

function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`
}
