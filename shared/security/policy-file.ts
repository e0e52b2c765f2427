import { z } from 'zod'
import type { AccessPolicy } from './access-policy.ts'
import { OPEN_POLICY } from './access-policy.ts'

/** The longest identity-claim value accepted from a JWT (and listed in `subjects`). */
export const MAX_SUBJECT_LENGTH = 256

const patterns = z.array(z.string().min(1)).optional()
const rule = z.strictObject({ allow: patterns, deny: patterns })
const policyFile = z.strictObject({
  identities: z
    .record(
      z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'identity names are letters, digits, _ . -'),
      rule.extend({
        tokenSha256: z
          .string()
          .regex(/^[0-9a-f]{64}$/, 'the hex SHA-256 of the bearer token')
          .optional(),
        /** Values of the JWT identity claim (`auth.oauth.identityClaim`) that are this identity. */
        subjects: z.array(z.string().min(1).max(MAX_SUBJECT_LENGTH)).optional(),
      }),
    )
    .default({}),
  default: rule.default({}),
})

export interface LoadedPolicy {
  policy: AccessPolicy
  /** SHA-256 (hex) of a bearer token → the identity it authenticates. */
  tokens: ReadonlyMap<string, string>
  /** A JWT identity-claim value → the policy identity it authenticates. */
  subjects: ReadonlyMap<string, string>
}

export const OPEN: LoadedPolicy = { policy: OPEN_POLICY, tokens: new Map(), subjects: new Map() }

/**
 * An access policy as written (the relay's YAML file, the edge's ACCESS_POLICY JSON):
 * tokens are kept as SHA-256 digests, never in clear. `source` names it in errors; a
 * bad policy throws a message naming the key.
 */
export function parseAccessPolicy(raw: unknown, source: string): LoadedPolicy {
  const parsed = policyFile.safeParse(raw ?? {})
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    throw new Error(`access policy ${source}: ${issue?.path.join('.') || '(file)'}: ${issue?.message}`)
  }
  const tokens = new Map<string, string>()
  const subjects = new Map<string, string>()
  const identities: Record<string, { allow?: string[] | undefined; deny?: string[] | undefined }> = {}
  for (const [name, { tokenSha256, subjects: claimed, ...r }] of Object.entries(parsed.data.identities)) {
    identities[name] = r
    if (tokenSha256 !== undefined) claim(tokens, tokenSha256, name, source, 'tokenSha256')
    for (const subject of claimed ?? []) claim(subjects, subject, name, source, 'subjects')
  }
  return { policy: { identities, default: parsed.data.default }, tokens, subjects }
}

/** A token or subject that names two identities would make the answer depend on order. */
function claim(map: Map<string, string>, key: string, name: string, source: string, field: string): void {
  const other = map.get(key)
  if (other !== undefined)
    throw new Error(
      `access policy ${source}: identities.${name}.${field}: already used by identity "${other}"`,
    )
  map.set(key, name)
}
