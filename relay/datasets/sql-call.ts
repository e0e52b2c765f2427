/**
 * Who runs a statement and when to stop it: a tool's context (its signal and caller),
 * or only a signal. Statements without a caller are counted as `unattributed`, one
 * bucket of their own under the per-identity limit.
 */
export type SqlCall =
  | AbortSignal
  | { signal?: AbortSignal | undefined; caller?: { identity?: string | undefined } | undefined }
  | undefined

/** The signal that stops a call's work. */
export function signalOf(call: SqlCall): AbortSignal | undefined {
  return call instanceof AbortSignal ? call : call?.signal
}

/** The call's signal and the key it is counted under in the SQL slots. */
export function callOf(call: SqlCall): { signal: AbortSignal | undefined; key: string } {
  if (call instanceof AbortSignal) return { signal: call, key: 'unattributed' }
  const caller = call?.caller
  const key =
    caller === undefined
      ? 'unattributed'
      : caller.identity === undefined
        ? 'anonymous'
        : `identity:${caller.identity}`
  return { signal: signalOf(call), key }
}
