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

/**
 * Known kinds compared with an unknown one for a suggestion. Any volunteer can make
 * the relay remember thousands of kinds, so a refused submission must not compare
 * against all of them: this many, nearest in length first, are plenty for a typo.
 */
export const MAX_SUGGESTION_CANDIDATES = 256
/** Unknown kinds a warning names; the rest are counted. */
const MAX_NAMED_KINDS = 5

export type KindsCheck =
  | { ok: true; warning?: string }
  | { ok: false; kind: string; message: string; suggestions: string[] }

const BUILTIN: ReadonlySet<string> = new Set(BUILTIN_TASK_KINDS)

/** The kinds workers have announced, as the check reads them. */
export interface KindSource {
  /** Whether a worker announced `kind` (a set lookup: it runs for every submitted kind). */
  has(kind: string): boolean
  /** Known kinds, those nearest in length to `kind` first; read only until enough are found. */
  near(kind: string): Iterable<string>
}

/** Picks the closest of `candidates` to an unknown kind (injectable, so tests can count the work). */
export type SuggestKinds = (kind: string, candidates: readonly string[]) => string[]

/** Known kinds closest in spelling to `kind`, best first (at most three). */
export function suggestKinds(kind: string, known: Iterable<string>): string[] {
  return closestNames(kind, new Set([...BUILTIN_TASK_KINDS, ...known]), 3)
}

/** The built-in kinds and at most MAX_SUGGESTION_CANDIDATES known ones, nearest in length first. */
export function suggestionCandidates(kind: string, source: KindSource): string[] {
  const candidates = new Set<string>(BUILTIN_TASK_KINDS)
  for (const known of source.near(kind)) {
    if (candidates.size >= MAX_SUGGESTION_CANDIDATES) break
    candidates.add(known)
  }
  return [...candidates]
}

/**
 * Whether tasks of these kinds may be queued. Each kind costs one lookup; suggestions
 * are computed once per call, for the first unknown kind, over a bounded candidate set,
 * so a large batch of unknown kinds costs no more than one (issue 10 review).
 */
export function checkKinds(
  kinds: Iterable<string>,
  source: KindSource,
  policy: UnknownKindPolicy,
  suggest: SuggestKinds = suggestKinds,
): KindsCheck {
  const unknown = new Set<string>()
  for (const kind of kinds) if (!BUILTIN.has(kind) && !source.has(kind)) unknown.add(kind)
  const [first] = unknown
  if (first === undefined) return { ok: true }
  const suggestions = suggest(first, suggestionCandidates(first, source))
  const hint =
    suggestions.length === 0 ? '' : `; did you mean ${suggestions.map((s) => `"${s}"`).join(' or ')}?`
  const builtIn = `it is not built in (${BUILTIN_TASK_KINDS.join(', ')})`
  if (policy === 'warn') {
    const named = [...unknown].slice(0, MAX_NAMED_KINDS).map((k) => `"${k}"`)
    const more = unknown.size > named.length ? ` and ${unknown.size - named.length} more` : ''
    return {
      ok: true,
      warning: `no worker has ever announced task kind ${named.join(', ')}${more} and ${builtIn}: the task waits until a worker announces it${hint}`,
    }
  }
  const others = unknown.size > 1 ? ` (and ${unknown.size - 1} other unknown kinds)` : ''
  return {
    ok: false,
    kind: first,
    message: `no worker has ever announced task kind "${first}" and ${builtIn}${hint}${others} (tasks.unknownKinds: reject)`,
    suggestions,
  }
}
