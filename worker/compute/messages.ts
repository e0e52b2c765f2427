import type { KindOutcome } from '../../shared/task/kinds/run-kind.ts'

/** Pool → compute context. */
export interface RunRequest {
  type: 'run'
  id: number
  kind: string
  input: unknown
}

/** Compute context → pool. */
export type ComputeReply =
  | { type: 'progress'; id: number; progress: number; total?: number; message?: string }
  | { type: 'done'; id: number; outcome: KindOutcome }
