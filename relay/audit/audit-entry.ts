import { hash } from 'node:crypto'
import { canonicalJson } from '../../shared/canonical-json.ts'

export interface AuditEntry {
  seq: number
  time: number
  tool: string
  sessionId: string | null
  identity: string | null
  /** sha256 of the canonical JSON of the call's parameters (the parameters are not stored). */
  paramsDigest: string
  outcome: string
  runtime: string | null
  durationMs: number
  prevHash: string
  hash: string
}

export type AuditInput = Omit<AuditEntry, 'seq' | 'prevHash' | 'hash'>

export interface AuditFilter {
  tool?: string | undefined
  outcome?: string | undefined
  sessionId?: string | undefined
  /** The caller's identity; `anonymous` for calls without one. */
  identity?: string | undefined
  since?: number | undefined
  until?: number | undefined
  limit: number
  offset: number
}

export const GENESIS = '0'.repeat(64)
/** The hash of an entry: sha256 over the previous hash and the entry's canonical JSON. */
export function entryHash(prevHash: string, entry: Omit<AuditEntry, 'prevHash' | 'hash'>): string {
  return hash('sha256', prevHash + canonicalJson(entry), 'hex')
}

/** A row of the `audit` table. */
export interface Row {
  seq: number
  time: number
  tool: string
  session_id: string | null
  identity: string | null
  params_digest: string
  outcome: string
  runtime: string | null
  duration_ms: number
  prev_hash: string
  hash: string
}

export const toEntry = (r: Row): AuditEntry => ({
  seq: r.seq,
  time: r.time,
  tool: r.tool,
  sessionId: r.session_id,
  identity: r.identity,
  paramsDigest: r.params_digest,
  outcome: r.outcome,
  runtime: r.runtime,
  durationMs: r.duration_ms,
  prevHash: r.prev_hash,
  hash: r.hash,
})
