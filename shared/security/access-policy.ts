import { globToRegExp } from '../router/compile-policy.ts'

/**
 * Which identities may call which tools. A pattern is a tool-name glob (`text_*`) or
 * `category:<name>`. For an identity, `deny` wins over `allow`; without an `allow`
 * list everything not denied is allowed. Callers without a listed identity get the
 * `default` rule. The meta-tools are the front door and always allowed: what a
 * dispatch runs is checked.
 */
export interface AccessRule {
  allow?: readonly string[] | undefined
  deny?: readonly string[] | undefined
}

export interface AccessPolicy {
  identities: Readonly<Record<string, AccessRule>>
  default: AccessRule
}

export type AccessDecision = { allowed: true; reason: string } | { allowed: false; reason: string }

export const OPEN_POLICY: AccessPolicy = { identities: {}, default: {} }
const META_CATEGORY = 'tools'

function matches(pattern: string, tool: { name: string; category: string }): boolean {
  if (pattern.startsWith('category:')) return pattern.slice('category:'.length) === tool.category
  return globToRegExp(pattern).test(tool.name)
}

export function decideAccess(
  policy: AccessPolicy,
  identity: string | undefined,
  tool: { name: string; category: string },
): AccessDecision {
  if (tool.category === META_CATEGORY) return { allowed: true, reason: 'meta-tools are always allowed' }
  const named = identity !== undefined && Object.hasOwn(policy.identities, identity)
  const rule = named ? (policy.identities[identity] as AccessRule) : policy.default
  const who = named ? `identity "${identity}"` : 'the default rule'
  const denied = rule.deny?.find((p) => matches(p, tool))
  if (denied !== undefined) return { allowed: false, reason: `${who} denies ${tool.name} (${denied})` }
  if (rule.allow === undefined) return { allowed: true, reason: `${who} has no allow list` }
  const allowed = rule.allow.find((p) => matches(p, tool))
  return allowed !== undefined
    ? { allowed: true, reason: `${who} allows ${tool.name} (${allowed})` }
    : { allowed: false, reason: `${who} does not allow ${tool.name}` }
}
