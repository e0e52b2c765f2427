import { sha256 } from '@noble/hashes/sha2.js'
import { bytesToHex } from '@noble/hashes/utils.js'
import { canonicalJson } from '../canonical-json.ts'

const encoder = new TextEncoder()

/**
 * What two answers to the same task must share to agree: the SHA-256 of the output's
 * canonical JSON (key order does not matter), the CID of an output that travelled as a
 * block, or the error code of a failure that retrying cannot fix.
 */
export function outcomeDigest(
  outcome:
    | { ok: true; output?: unknown; outputCid?: string | undefined }
    | { ok: false; error: { code: string } },
): string {
  if (!outcome.ok) return `error:${outcome.error.code}`
  if (outcome.outputCid !== undefined) return `cid:${outcome.outputCid}`
  return `json:${bytesToHex(sha256(encoder.encode(canonicalJson(outcome.output ?? null))))}`
}
