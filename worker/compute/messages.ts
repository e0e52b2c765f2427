import type { KindOutcome } from '../../shared/task/kinds/run-kind.ts'

/** Pool → compute context: tasks to run one after another, in order. */
export interface RunRequest {
  type: 'run'
  tasks: Array<{ id: number; kind: string; input: unknown }>
}

/** Compute context → pool. */
export type ComputeReply =
  | { type: 'progress'; id: number; progress: number; total?: number; message?: string }
  /** `ms`: how long the task ran inside the context (no queueing, no message passing). */
  | { type: 'done'; id: number; outcome: KindOutcome; ms: number }
