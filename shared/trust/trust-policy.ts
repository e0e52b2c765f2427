import { globToRegExp } from '../router/compile-policy.ts'

/**
 * How much a worker's answer must be checked before it counts (issue 9):
 *
 * - `any`: one admitted worker's answer;
 * - `quorum`: the same task on k distinct workers (distinct PeerIds, hence distinct
 *   connections), accepted when k answers agree;
 * - `spot-check`: a sampled fraction of answers is recomputed on the relay.
 */
export type TrustRequirement =
  | { level: 'any' }
  | { level: 'quorum'; k: number }
  | { level: 'spot-check'; rate: number }

export const MAX_QUORUM = 5
export const ANY: TrustRequirement = Object.freeze({ level: 'any' })

/** `any`, `quorum:K` (2 ≤ K ≤ 5) or `spot-check:RATE` (0 < RATE ≤ 1), as in config and tool params. */
export function parseTrust(
  text: string,
): { ok: true; trust: TrustRequirement } | { ok: false; message: string } {
  if (text === 'any') return { ok: true, trust: ANY }
  const [level, arg, extra] = text.split(':')
  const n = Number(arg)
  if (extra === undefined && level === 'quorum' && Number.isInteger(n) && n >= 2 && n <= MAX_QUORUM) {
    return { ok: true, trust: { level: 'quorum', k: n } }
  }
  if (extra === undefined && level === 'spot-check' && arg !== '' && n > 0 && n <= 1) {
    return { ok: true, trust: { level: 'spot-check', rate: n } }
  }
  return {
    ok: false,
    message: `"${text}" is not a trust level: use any, quorum:K (K from 2 to ${MAX_QUORUM}) or spot-check:RATE (0 < RATE ≤ 1)`,
  }
}

export function formatTrust(t: TrustRequirement): string {
  return t.level === 'any' ? 'any' : t.level === 'quorum' ? `quorum:${t.k}` : `spot-check:${t.rate}`
}

/** One rule of the operator's trust policy; the first rule that matches a task wins. */
export interface TrustRule {
  /** Tool-name glob: the tool whose call became the task (`text_embed`, `p2p_taskqueue_submit`). */
  tool?: string | undefined
  kind?: string | undefined
  identity?: string | undefined
  trust: TrustRequirement
}

export interface TrustSubject {
  tool: string
  kind: string
  identity: string | undefined
}

/** The operator's requirement for a task: the first matching rule, else the default. */
export function resolveTrust(
  rules: readonly TrustRule[],
  fallback: TrustRequirement,
  subject: TrustSubject,
): TrustRequirement {
  for (const rule of rules) {
    if (rule.tool !== undefined && !globToRegExp(rule.tool).test(subject.tool)) continue
    if (rule.kind !== undefined && rule.kind !== subject.kind) continue
    if (rule.identity !== undefined && rule.identity !== subject.identity) continue
    return rule.trust
  }
  return fallback
}

/**
 * A submitter may ask for more checking than the policy sets, never less: a quorum
 * beats a spot-check, a larger quorum a smaller one, a higher rate a lower one.
 */
export function strongerTrust(a: TrustRequirement, b: TrustRequirement): TrustRequirement {
  const rank = (t: TrustRequirement) =>
    t.level === 'any' ? 0 : t.level === 'spot-check' ? 1 + t.rate : 10 + t.k
  return rank(b) > rank(a) ? b : a
}

/** One worker's answer to a quorum task: who, and the digest of what it said. */
export interface Vote {
  peer: string
  digest: string
}

export type Tally =
  | { decision: 'accept'; digest: string; agreed: string[]; dissent: string[] }
  | { decision: 'more' }
  | { decision: 'no_quorum'; message: string }

/** Answers a quorum task may collect before it fails: k agreeing, with room for k + 1 that do not. */
export function maxVotes(k: number): number {
  return 2 * k + 1
}

/**
 * Counts a quorum task's votes: accepted when k distinct peers gave the same digest;
 * failed when no digest can reach k within maxVotes(k); otherwise one more vote is needed.
 * Votes after a peer's first are ignored (a peer votes once).
 */
export function tallyVotes(votes: readonly Vote[], k: number): Tally {
  const first = new Map<string, string>()
  for (const v of votes) if (!first.has(v.peer)) first.set(v.peer, v.digest)
  const byDigest = new Map<string, string[]>()
  for (const [peer, digest] of first) byDigest.set(digest, [...(byDigest.get(digest) ?? []), peer])
  for (const [digest, peers] of byDigest) {
    if (peers.length >= k) {
      const dissent = [...first].filter(([, d]) => d !== digest).map(([p]) => p)
      return { decision: 'accept', digest, agreed: peers, dissent }
    }
  }
  const remaining = maxVotes(k) - first.size
  const best = Math.max(0, ...[...byDigest.values()].map((p) => p.length))
  if (best + remaining < k) {
    return {
      decision: 'no_quorum',
      message: `${first.size} workers gave ${byDigest.size} different answers; no ${k} agreed`,
    }
  }
  return { decision: 'more' }
}

/** How a result was checked, as results report it (`_meta["mcpp/verification"]`, task records). */
export interface Verification {
  /** `relay`: the relay computed it itself (no worker involved). */
  trust: TrustRequirement['level'] | 'relay'
  /** True when more than one party computed the answer and they agreed. */
  verified: boolean
  /** PeerIds of the workers whose answer this is (for a quorum: those that agreed). */
  workers: string[]
  /** Workers whose answers disagreed with the accepted one. */
  dissent?: string[]
  /** A spot-check recomputed the answer here. */
  recomputedBy?: 'relay'
}
