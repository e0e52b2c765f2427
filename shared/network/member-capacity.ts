import {
  type CapabilityGroup,
  type Capacity,
  MAX_ANNOUNCED_GROUPS,
  MAX_GROUP_CAPABILITIES,
  MAX_GROUPS_PER_KIND,
} from '../wire/announce-messages.ts'

/** What a relay knows of one of its workers when it announces capabilities. */
export interface WorkerOffer {
  kinds: Iterable<string>
  capabilities: Iterable<string>
  freeSlots: number
}

/**
 * A relay's workers grouped, per kind, by their set of capabilities (issue 11: forward
 * tasks with requirements only to a member whose workers meet them). Workers without
 * capabilities form no group: the kind's own counts cover them. A set is its first
 * MAX_GROUP_CAPABILITIES names in order (announcing fewer capabilities than a worker
 * has is never a false claim); per kind, the groups with the most free slots are kept.
 */
export function capabilityGroups(workers: Iterable<WorkerOffer>): Map<string, CapabilityGroup[]> {
  const byKind = new Map<string, Map<string, CapabilityGroup>>()
  for (const worker of workers) {
    const capabilities = [...new Set(worker.capabilities)].sort().slice(0, MAX_GROUP_CAPABILITIES)
    if (capabilities.length === 0) continue
    const key = capabilities.join('\n')
    for (const kind of worker.kinds) {
      const groups = byKind.get(kind) ?? new Map<string, CapabilityGroup>()
      byKind.set(kind, groups)
      const group = groups.get(key)
      if (group === undefined) groups.set(key, { capabilities, workers: 1, freeSlots: worker.freeSlots })
      else {
        group.workers++
        group.freeSlots += worker.freeSlots
      }
    }
  }
  const out = new Map<string, CapabilityGroup[]>()
  for (const [kind, groups] of byKind) out.set(kind, mostFreeFirst([...groups.values()], MAX_GROUPS_PER_KIND))
  return out
}

/**
 * Keeps at most MAX_ANNOUNCED_GROUPS groups over all kinds (those with the most free
 * slots), so that an announcement stays within MAX_ANNOUNCE_BYTES.
 */
export function boundGroups<K extends { groups?: CapabilityGroup[] | undefined }>(byKind: readonly K[]): K[] {
  const all = byKind.flatMap((k) => k.groups ?? [])
  if (all.length <= MAX_ANNOUNCED_GROUPS) return [...byKind]
  const kept = new Set(mostFreeFirst(all, MAX_ANNOUNCED_GROUPS))
  return byKind.map((k) =>
    k.groups === undefined ? k : { ...k, groups: k.groups.filter((g) => kept.has(g)) },
  )
}

function mostFreeFirst(groups: CapabilityGroup[], max: number): CapabilityGroup[] {
  return groups
    .sort(
      (a, b) =>
        b.freeSlots - a.freeSlots ||
        b.workers - a.workers ||
        a.capabilities.join('\n').localeCompare(b.capabilities.join('\n')),
    )
    .slice(0, max)
}

/**
 * Free slots a member announced for a task of `kind` that requires `requires`. A task
 * without requirements may use any worker of the kind; one with requirements only the
 * groups whose capabilities include them all, and none on a relay that announces no
 * groups (it said nothing of its workers' capabilities).
 */
export function freeSlotsFor(capacity: Capacity, kind: string, requires: readonly string[]): number {
  const entry = capacity.byKind?.find((k) => k.kind === kind)
  if (requires.length === 0) {
    if (entry !== undefined) return entry.freeSlots
    return capacity.kinds.includes(kind) ? capacity.freeSlots : 0
  }
  let free = 0
  for (const group of entry?.groups ?? []) {
    if (requires.every((c) => group.capabilities.includes(c))) free += group.freeSlots
  }
  return free
}

/** The capability sets a member announced free slots for, for tasks of `kind`. */
export function capabilitySetsFor(capacity: Capacity, kind: string): string[][] {
  const entry = capacity.byKind?.find((k) => k.kind === kind)
  return (entry?.groups ?? []).filter((g) => g.freeSlots > 0).map((g) => g.capabilities)
}
