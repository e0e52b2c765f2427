/**
 * Who may become a task worker (issue 9). The operator picks a mode:
 *
 * - `open`: anyone (anonymous volunteers, the default for /contribute);
 * - `token`: a join token (the contribute page can carry it in its URL);
 * - `allowlist`: listed PeerIds (their keys prove who they are through noise).
 *
 * A worker admitted by token or allowlist is a *member* worker; one admitted only
 * because admission is open is a *volunteer*. Calls that carry an authenticated
 * client's data go to member workers only unless the operator allows otherwise.
 */
export const ADMISSION_MODES = ['open', 'token', 'allowlist'] as const
export type AdmissionMode = (typeof ADMISSION_MODES)[number]
export type WorkerClass = 'volunteer' | 'member'

export interface AdmissionPolicy {
  mode: AdmissionMode
  /** SHA-256 (hex) of each accepted join token. */
  joinTokenDigests: ReadonlySet<string>
  /** PeerIds admitted as members in any mode. */
  allowlist: ReadonlySet<string>
}

export interface AdmissionRequest {
  peerId: string
  /** SHA-256 (hex) of the join token the worker presented, if any. */
  joinTokenDigest: string | undefined
}

export type AdmissionDecision = { ok: true; workerClass: WorkerClass } | { ok: false; reason: string }

export function decideAdmission(policy: AdmissionPolicy, request: AdmissionRequest): AdmissionDecision {
  if (policy.allowlist.has(request.peerId)) return { ok: true, workerClass: 'member' }
  const tokenOk =
    request.joinTokenDigest !== undefined && policy.joinTokenDigests.has(request.joinTokenDigest)
  if (tokenOk && policy.mode !== 'allowlist') return { ok: true, workerClass: 'member' }
  if (request.joinTokenDigest !== undefined && !tokenOk)
    return { ok: false, reason: 'the join token is not valid' }
  switch (policy.mode) {
    case 'open':
      return { ok: true, workerClass: 'volunteer' }
    case 'token':
      return { ok: false, reason: 'this relay admits workers with a join token only' }
    case 'allowlist':
      return { ok: false, reason: 'this relay admits listed PeerIds only' }
  }
}

/**
 * The capability a relay gives member workers. Workers cannot announce it (names under
 * `mcpp:` are reserved); a task that must not reach volunteers requires it.
 */
export const MEMBER_CAPABILITY = 'mcpp:member'
export const RESERVED_CAPABILITY_PREFIX = 'mcpp:'
