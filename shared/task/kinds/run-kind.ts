import type { TaskErrorCode } from '../error-codes.ts'
import type { BuiltinTaskKind } from '../types.ts'
import { echoKind } from './echo.ts'
import { embedKind } from './embed.ts'
import { sha256Kind } from './sha256.ts'
import { type KindContext, PermanentTaskError, type TaskKind } from './types.ts'
import { wasmKind } from './wasm.ts'

/**
 * One implementation per built-in kind, checked by the type. The task worker announces
 * BUILTIN_TASK_KINDS (shared/task/types.ts) without loading this file: the kinds run
 * in its compute contexts, so the worker's own script stays small.
 */
const KINDS: Record<BuiltinTaskKind, TaskKind> = {
  echo: echoKind as TaskKind,
  sha256: sha256Kind as TaskKind,
  embed: embedKind as TaskKind,
  wasm: wasmKind as TaskKind,
}

export type KindOutcome =
  | { ok: true; output: unknown }
  | { ok: false; error: { code: TaskErrorCode; message: string }; retryable: boolean }

/**
 * Validates the input for `kind` and runs it. Never throws: failures come back as
 * data, with `retryable` false when another attempt would fail the same way.
 */
export async function runKind(kind: string, input: unknown, ctx: KindContext): Promise<KindOutcome> {
  const spec = Object.hasOwn(KINDS, kind) ? KINDS[kind as BuiltinTaskKind] : undefined
  if (spec === undefined) {
    return {
      ok: false,
      error: { code: 'UNKNOWN_KIND', message: `unknown task kind "${kind}"` },
      retryable: false,
    }
  }
  const parsed = spec.input.safeParse(input)
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.') || '(input)'}: ${i.message}`)
    return { ok: false, error: { code: 'INVALID_INPUT', message: problems.join('; ') }, retryable: false }
  }
  try {
    return { ok: true, output: await spec.run(parsed.data, ctx) }
  } catch (err) {
    if (err instanceof PermanentTaskError) {
      return { ok: false, error: { code: err.code, message: err.message }, retryable: false }
    }
    if (err instanceof WebAssembly.RuntimeError) {
      // A trap is deterministic: another attempt would trap the same way.
      return { ok: false, error: { code: 'WASM_TRAP', message: err.message }, retryable: false }
    }
    const message = err instanceof Error ? err.message : String(err)
    return { ok: false, error: { code: 'TASK_FAILED', message }, retryable: true }
  }
}
