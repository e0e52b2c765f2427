import { closestNames } from '../tool/closest-names.ts'
import { BUILTIN_TASK_KINDS } from './types.ts'

/**
 * What the queue does with a task whose kind no worker has ever announced and that is
 * not built in (config `tasks.unknownKinds`): `reject` refuses it with INVALID_PARAMS,
 * `warn` queues it and says so in the result. Either way the caller learns it at once;
 * such a task never sits in the queue silently (issue 10: `sha265` is a typo, not a kind).
 */
export const UNKNOWN_KIND_POLICIES = ['reject', 'warn'] as const
export type UnknownKindPolicy = (typeof UNKNOWN_KIND_POLICIES)[number]

export type KindCheck = { ok: true; warning?: string } | { ok: false; message: string; suggestions: string[] }

const BUILTIN: ReadonlySet<string> = new Set(BUILTIN_TASK_KINDS)

/** The kinds workers have announced: a Set, or a Map keyed by kind. */
export interface AnnouncedKinds {
  has(kind: string): boolean
  keys(): Iterable<string>
}

/** Known kinds closest in spelling to `kind`, best first (at most three). */
export function suggestKinds(kind: string, known: Iterable<string>): string[] {
  return closestNames(kind, new Set([...BUILTIN_TASK_KINDS, ...known]), 3)
}

/** Whether a task of `kind` may be queued, given the kinds workers have ever announced. */
export function checkKind(kind: string, announced: AnnouncedKinds, policy: UnknownKindPolicy): KindCheck {
  if (BUILTIN.has(kind) || announced.has(kind)) return { ok: true }
  const suggestions = suggestKinds(kind, announced.keys())
  const hint =
    suggestions.length === 0 ? '' : `; did you mean ${suggestions.map((s) => `"${s}"`).join(' or ')}?`
  const unknown = `no worker has ever announced task kind "${kind}" and it is not built in (${BUILTIN_TASK_KINDS.join(', ')})`
  if (policy === 'warn') {
    return { ok: true, warning: `${unknown}: the task waits until a worker announces it${hint}` }
  }
  return { ok: false, message: `${unknown}${hint} (tasks.unknownKinds: reject)`, suggestions }
}
