import { McppError } from '../../shared/errors.ts'
import { type AccessPolicy, decideKindAccess } from '../../shared/security/access-policy.ts'
import type { CallerInfo, Tool } from '../../shared/tool/types.ts'

/** Throws FORBIDDEN unless the caller may submit a P2P task of `kind`. */
export type KindGuard = (kind: string, caller: CallerInfo) => void

/**
 * The access policy applied to task kinds (decideKindAccess): submitting, resubmitting
 * or updating a task of kind K counts as using every tool whose `taskKind` is K.
 * `tools` is read at each check, so tools registered later are counted.
 */
export function kindGuard(policy: AccessPolicy, tools: () => readonly Tool[]): KindGuard {
  return (kind, caller) => {
    const implementedBy = tools().filter((tool) => tool.taskKind === kind)
    const decision = decideKindAccess(policy, caller.identity, kind, implementedBy)
    if (!decision.allowed) throw new McppError('FORBIDDEN', decision.reason, { kind })
  }
}
