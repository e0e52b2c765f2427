import type { z } from '../../zod-mini.ts'
import type { TaskErrorCode } from '../error-codes.ts'

export interface KindContext {
  signal: AbortSignal
  progress(progress: number, total?: number, message?: string): void
}

/**
 * One task kind: how a worker validates its input (a `zod/mini` schema: kinds run in
 * the browser's compute contexts, see shared/zod-mini.ts) and computes its output.
 */
export interface TaskKind<I = unknown> {
  kind: string
  description: string
  input: z.ZodMiniType<I>
  run(input: I, ctx: KindContext): Promise<unknown>
}

/** Defines a kind with its input type inferred from the schema. */
export function defineKind<S extends z.ZodMiniType>(spec: {
  kind: string
  description: string
  input: S
  run(input: z.output<S>, ctx: KindContext): Promise<unknown>
}): TaskKind<z.output<S>> {
  return spec as TaskKind<z.output<S>>
}

/** A failure that retrying cannot fix (bad input, bad module). */
export class PermanentTaskError extends Error {
  readonly code: TaskErrorCode
  constructor(code: TaskErrorCode, message: string) {
    super(message)
    this.name = 'PermanentTaskError'
    this.code = code
  }
}
