import { createHash } from 'node:crypto'
import type { AdmissionPolicy } from '../../shared/trust/admission.ts'
import type { RelayConfig } from '../config/schema.ts'

/** Join tokens are compared by SHA-256, so the relay keeps no token in memory longer than it must. */
export function tokenDigest(token: string): string {
  return createHash('sha256').update(token).digest('hex')
}

export function admissionPolicy(workers: RelayConfig['workers']): AdmissionPolicy {
  return {
    mode: workers.admission,
    joinTokenDigests: new Set(workers.joinTokens.map(tokenDigest)),
    allowlist: new Set(workers.allowlist),
  }
}
