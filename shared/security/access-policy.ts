import { globToRegExp } from '../router/compile-policy.ts'

/**
 * Which identities may call which tools and submit which task kinds. A pattern is a
 * tool-name glob (`text_*`), `category:<name>` or `kind:<glob>` (a P2P task kind).
 * For an identity, `deny` wins over `allow`; without an `allow` list everything not
 * denied is allowed (the identity is unrestricted). Callers without a listed identity
 * get the `default` rule. The meta-tools are the front door and always allowed: what a
 * dispatch runs is checked.
 *
 * The operator (the relay's own `--token`) is unrestricted unless the policy lists an
 * identity named `operator`, whose rule then applies like any other.
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

export interface ToolRef {
  name: string
  category: string
}

/** The identity the relay's own token (`--token`) authenticates. */
export const OPERATOR = 'operator'
export const OPEN_POLICY: AccessPolicy = { identities: {}, default: {} }
const META_CATEGORY = 'tools'
const KIND = 'kind:'
const CATEGORY = 'category:'
const UNRESTRICTED: AccessRule = {}

function matchesTool(pattern: string, tool: ToolRef): boolean {
  if (pattern.startsWith(KIND)) return false
  if (pattern.startsWith(CATEGORY)) return pattern.slice(CATEGORY.length) === tool.category
  return globToRegExp(pattern).test(tool.name)
}

function matchesKind(pattern: string, kind: string): boolean {
  return pattern.startsWith(KIND) && globToRegExp(pattern.slice(KIND.length)).test(kind)
}

/** The rule that applies to a caller, and how to name it in a reason. */
export function ruleFor(
  policy: AccessPolicy,
  identity: string | undefined,
): { rule: AccessRule; who: string } {
  if (identity !== undefined && Object.hasOwn(policy.identities, identity))
    return { rule: policy.identities[identity] as AccessRule, who: `identity "${identity}"` }
  if (identity === OPERATOR) return { rule: UNRESTRICTED, who: 'the operator token' }
  return { rule: policy.default, who: 'the default rule' }
}

function decideTool(rule: AccessRule, who: string, tool: ToolRef): AccessDecision {
  const denied = rule.deny?.find((p) => matchesTool(p, tool))
  if (denied !== undefined) return { allowed: false, reason: `${who} denies ${tool.name} (${denied})` }
  if (rule.allow === undefined) return { allowed: true, reason: `${who} has no allow list` }
  const allowed = rule.allow.find((p) => matchesTool(p, tool))
  return allowed !== undefined
    ? { allowed: true, reason: `${who} allows ${tool.name} (${allowed})` }
    : { allowed: false, reason: `${who} does not allow ${tool.name}` }
}

export function decideAccess(
  policy: AccessPolicy,
  identity: string | undefined,
  tool: ToolRef,
): AccessDecision {
  if (tool.category === META_CATEGORY) return { allowed: true, reason: 'meta-tools are always allowed' }
  const { rule, who } = ruleFor(policy, identity)
  return decideTool(rule, who, tool)
}

/**
 * Whether a caller may submit (or resubmit, or update) a P2P task of `kind`. A task of
 * kind K computes what the tools with `taskKind: K` compute, so it counts as using
 * every one of them (issue 9: a caller denied `text_embed` must not get embeddings by
 * submitting `embed`). An explicit `kind:` grant also allows it. Deny wins over both:
 * a `kind:` deny, or a deny of any tool that implements the kind. A kind that no tool
 * implements needs the grant unless the rule is unrestricted (no allow list).
 */
export function decideKindAccess(
  policy: AccessPolicy,
  identity: string | undefined,
  kind: string,
  implementedBy: readonly ToolRef[],
): AccessDecision {
  const { rule, who } = ruleFor(policy, identity)
  const deniedKind = rule.deny?.find((p) => matchesKind(p, kind))
  if (deniedKind !== undefined)
    return { allowed: false, reason: `${who} denies task kind ${kind} (${deniedKind})` }
  const tools = implementedBy.map((tool) => ({ tool, decision: decideTool(rule, who, tool) }))
  const deniedTool = tools.find(({ tool }) => rule.deny?.some((p) => matchesTool(p, tool)))
  if (deniedTool !== undefined) {
    return {
      allowed: false,
      reason: `task kind ${kind} runs ${deniedTool.tool.name}, and ${deniedTool.decision.reason}`,
    }
  }
  const granted = rule.allow?.find((p) => matchesKind(p, kind))
  if (granted !== undefined) return { allowed: true, reason: `${who} grants task kind ${kind} (${granted})` }
  if (tools.length === 0) {
    return rule.allow === undefined
      ? { allowed: true, reason: `${who} has no allow list` }
      : {
          allowed: false,
          reason: `${who} does not grant task kind ${kind} (no tool implements it; add kind:${kind})`,
        }
  }
  const refused = tools.find(({ decision }) => !decision.allowed)
  if (refused !== undefined) {
    return {
      allowed: false,
      reason: `task kind ${kind} runs ${refused.tool.name}, and ${refused.decision.reason}`,
    }
  }
  return { allowed: true, reason: `${who} may call every tool of task kind ${kind}` }
}

/**
 * A key naming the rule that decides for this caller: callers with the same key see
 * the same tools, so per-caller views (tool listings) can be computed once per key.
 */
export function ruleKey(policy: AccessPolicy, identity: string | undefined): string {
  if (identity !== undefined && Object.hasOwn(policy.identities, identity)) return `identity:${identity}`
  return identity === OPERATOR ? 'operator' : 'default'
}
