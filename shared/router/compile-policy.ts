import type { RouteRule, RouterPolicy } from './types.ts'

export interface CompiledRule extends RouteRule {
  test(name: string): boolean
}

export interface CompiledPolicy extends RouterPolicy {
  rules: readonly CompiledRule[]
}

/** Glob with `*` as the only wildcard, anchored at both ends. */
export function globToRegExp(glob: string): RegExp {
  const escaped = glob.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
  return new RegExp(`^${escaped.join('.*')}$`)
}

/** Compiles the rules once so a decision costs a few regex tests, not a parse. */
export function compilePolicy(policy: RouterPolicy): CompiledPolicy {
  return {
    fallback: policy.fallback,
    rules: policy.rules.map((rule) => {
      const re = globToRegExp(rule.match)
      return { ...rule, test: (name: string) => re.test(name) }
    }),
  }
}
