import { McppError } from '../../shared/errors.ts'
import { globToRegExp } from '../../shared/router/compile-policy.ts'
import type { TaskSpec } from '../../shared/task/types.ts'
import {
  checkKinds,
  type KindSource,
  type SuggestKinds,
  type UnknownKindPolicy,
} from '../../shared/task/unknown-kinds.ts'
import { MEMBER_CAPABILITY } from '../../shared/trust/admission.ts'
import {
  resolveTrust,
  strongerTrust,
  type TrustRequirement,
  type TrustRule,
} from '../../shared/trust/trust-policy.ts'

export interface TaskPolicyInit {
  trustDefault: TrustRequirement
  trustRules: readonly TrustRule[]
  /** Tools whose calls by authenticated clients may run on anonymous volunteers (globs). */
  volunteerTools: readonly string[]
  /** Unfinished tasks one identity may have (anonymous callers share one allowance). */
  maxActivePerIdentity: number
  /** Unfinished tasks in the whole queue. */
  maxActive: number
  /** A kind no worker has ever announced and not built in: refused, or queued with a warning. */
  unknownKinds: UnknownKindPolicy
  /** Picks suggestions for an unknown kind (tests count the comparisons through it). */
  suggestKinds?: SuggestKinds
}

/** The counts the quota reads from the store. */
export interface ActiveCounts {
  activeTotal(): number
  activeBySubmitter(submitter: string): number
}

/** Who asks for tasks: the tool the call came through and the caller's identity. */
export interface TaskSubject {
  tool: string
  identity: string | undefined
}

export const ANONYMOUS = 'anonymous'

/**
 * The operator's rules for work that leaves the relay (issue 9): how much each
 * answer is checked (trust), whether an authenticated client's data may go to
 * anonymous volunteers, how much unfinished work one identity and the whole queue
 * may hold, and what becomes of a kind nobody runs (issue 10).
 */
export class TaskPolicy {
  private readonly init: TaskPolicyInit
  private readonly volunteerTools: RegExp[]
  /** Unfinished tasks in all, re-counted at most once a second (the global check is approximate). */
  private active = { at: Number.NEGATIVE_INFINITY, n: 0 }

  constructor(init: TaskPolicyInit) {
    this.init = init
    this.volunteerTools = init.volunteerTools.map((g) => globToRegExp(g))
  }

  /** The policy's trust for this task, or the submitter's if it asks for more. */
  trustFor(spec: TaskSpec, subject: TaskSubject): TrustRequirement {
    const policy = resolveTrust(this.init.trustRules, this.init.trustDefault, {
      tool: subject.tool,
      kind: spec.kind,
      identity: subject.identity,
    })
    return spec.trust === undefined ? policy : strongerTrust(policy, spec.trust)
  }

  /**
   * A call by an authenticated client carries that client's data: it goes to member
   * workers only, unless the operator lets volunteers see that tool's calls.
   */
  volunteersMaySee(subject: TaskSubject): boolean {
    if (subject.identity === undefined) return true
    return this.volunteerTools.some((re) => re.test(subject.tool))
  }

  /** Specs with their trust, submitter and (for sensitive calls) the member requirement. */
  apply(
    specs: readonly TaskSpec[],
    subject: TaskSubject,
    options: { membersOnly?: boolean } = {},
  ): TaskSpec[] {
    return specs.map((spec) => ({
      ...spec,
      trust: this.trustFor(spec, subject),
      submitter: subject.identity ?? ANONYMOUS,
      ...(options.membersOnly && !spec.requires?.includes(MEMBER_CAPABILITY)
        ? { requires: [...(spec.requires ?? []), MEMBER_CAPABILITY] }
        : {}),
    }))
  }

  /**
   * Refuses (INVALID_PARAMS, with the closest known kinds) a kind that no worker has
   * ever announced and that is not built in; under `warn`, returns the warning instead.
   */
  checkKinds(specs: readonly TaskSpec[], known: KindSource): string | undefined {
    const kinds = specs.map((s) => s.kind)
    const check = checkKinds(kinds, known, this.init.unknownKinds, this.init.suggestKinds)
    if (!check.ok) {
      throw new McppError('INVALID_PARAMS', check.message, {
        kind: check.kind,
        suggestions: check.suggestions,
        setting: 'tasks.unknownKinds',
      })
    }
    return check.warning
  }

  /** Refuses work beyond the identity's or the queue's allowance of unfinished tasks. */
  checkQuota(adding: number, identity: string, counts: ActiveCounts, now: number): void {
    if (now - this.active.at > 1000) this.active = { at: now, n: counts.activeTotal() }
    this.refuseOver(adding, { identity, mine: counts.activeBySubmitter(identity), all: this.active.n })
  }

  /** Tasks were created: the cached total follows until the next re-count. */
  added(n: number): void {
    this.active.n += n
  }

  private refuseOver(adding: number, active: { identity: string; mine: number; all: number }): void {
    const { maxActivePerIdentity, maxActive } = this.init
    if (active.mine + adding > maxActivePerIdentity) {
      throw new McppError(
        'QUOTA_EXCEEDED',
        `"${active.identity}" has ${active.mine} unfinished tasks; the limit is ${maxActivePerIdentity} (tasks.maxActivePerIdentity)`,
        { quota: 'tasks.maxActivePerIdentity', limit: maxActivePerIdentity, retryAfterSeconds: 1 },
      )
    }
    if (active.all + adding > maxActive) {
      throw new McppError(
        'QUOTA_EXCEEDED',
        `the queue holds ${active.all} unfinished tasks; the limit is ${maxActive} (tasks.maxActive)`,
        { quota: 'tasks.maxActive', limit: maxActive, retryAfterSeconds: 1 },
      )
    }
  }
}
