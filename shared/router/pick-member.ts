import type { MemberCapacity } from './types.ts'

/**
 * The member relay a task of `kind` is forwarded to: one that announced the kind with
 * free slots, the most free slots first, then by PeerId so the choice is repeatable.
 */
export function pickMember(kind: string, members: readonly MemberCapacity[]): MemberCapacity | undefined {
  let best: MemberCapacity | undefined
  for (const member of members) {
    if (member.freeSlots <= 0 || !member.kinds.has(kind)) continue
    if (
      best === undefined ||
      member.freeSlots > best.freeSlots ||
      (member.freeSlots === best.freeSlots && member.peerId < best.peerId)
    )
      best = member
  }
  return best
}
