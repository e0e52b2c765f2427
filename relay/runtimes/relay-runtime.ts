import { NotAcceptedError } from '../../shared/errors.ts'
import { freeSlotsFor } from '../../shared/network/member-capacity.ts'
import { pickMember } from '../../shared/router/pick-member.ts'
import type { MemberCapacity } from '../../shared/router/types.ts'
import { MEMBER_CAPABILITY } from '../../shared/trust/admission.ts'
import type { OfferOutcome } from '../forwarding/index.ts'
import type { RelayInfo } from '../p2p/relay-directory.ts'
import type { TaskService } from '../task-queue/index.ts'
import { taskLimits } from './p2p-runtime.ts'
import type { RuntimeBackend } from './runtime-backend.ts'
import { awaitTaskCall } from './task-call.ts'

export interface RelayRuntimeInit {
  tasks: TaskService
  forwarding: {
    offer(taskId: string, peerId: string, options?: { signal?: AbortSignal }): Promise<OfferOutcome>
  }
  /** Member relays' live announcements; undefined while the libp2p node is not running. */
  relays: () => readonly RelayInfo[] | undefined
  /** Configured member relays (`relays.members`). */
  members: number
}

/**
 * Runs a tool's task kind on a member relay's workers (issue 11: route across relays).
 * The task is submitted here, so this relay owns it durably, and handed to the member
 * that announced the most free slots for the kind, among workers with the capabilities
 * the task requires (a call whose data stays off volunteers needs member workers,
 * `mcpp:member`) (relay/forwarding/). A refused or
 * undelivered offer cancels the task here before anything ran and is NotAcceptedError,
 * so the router may fall back; once a member accepted it, the call is the task's: its
 * result, its failure (one translation, mcppCodeOf) or its cancellation, which the
 * forwarding service passes on to the member.
 */
export function relayRuntime(init: RelayRuntimeInit): RuntimeBackend {
  const { tasks, forwarding } = init
  const status = () => {
    const relays = init.relays()
    if (relays === undefined) return { available: false, reason: 'the libp2p node is not running' }
    if (init.members === 0)
      return { available: false, reason: 'no member relays are configured (relays.members)' }
    if (relays.length === 0)
      return { available: false, reason: 'no member relay is connected or has announced its capacity lately' }
    const members: MemberCapacity[] = relays.map((r) => ({
      peerId: r.peerId,
      freeSlots: r.capacity.freeSlots,
      kinds: new Set(r.capacity.kinds),
    }))
    return { available: true, members }
  }
  return {
    id: 'relay',
    status,
    execute: async (tool, input, ctx) => {
      const kind = tool.taskKind
      if (kind === undefined) throw new NotAcceptedError(`${tool.name} has no task kind to forward`)
      const subject = { tool: tool.name, identity: ctx.caller.identity }
      // The task carries its member-only requirement to the member, whose workers honour it.
      const membersOnly = !tasks.volunteersMaySee(subject)
      const requires = membersOnly ? [MEMBER_CAPABILITY] : []
      const member = pickMember(kind, capableMembers(init.relays() ?? [], kind, requires))
      if (member === undefined)
        throw new NotAcceptedError(
          `no member relay announces free slots for task kind "${kind}"${membersOnly ? ' on member workers (the caller’s data stays off volunteers: workers.volunteerTools)' : ''}`,
        )
      const {
        tasks: [submitted],
      } = await tasks.submitAs(
        [{ kind, input, ...taskLimits(tool), metadata: { tool: tool.name } }],
        subject,
        { membersOnly },
      )
      const id = (submitted as { task: { id: string } }).task.id
      const offered = await forwarding.offer(id, member.peerId, { signal: ctx.signal })
      // Not accepted and back in the queue: nothing ran (a late acceptance by the member is
      // refused at its next renewal), so the task is withdrawn and the router may fall back.
      // Otherwise someone took it meanwhile (a local worker, the forwarding pump): wait for it.
      if (!offered.ok && tasks.get(id)?.state === 'queued') {
        tasks.cancel(id, `relay ${member.peerId} did not take it: ${offered.reason}`)
        ctx.signal.throwIfAborted()
        throw new NotAcceptedError(
          `relay ${member.peerId} did not take task kind "${kind}": ${offered.reason}${offered.detail ? ` (${offered.detail})` : ''}`,
        )
      }
      return awaitTaskCall(tasks, id, ctx)
    },
  }
}

/** Members as the router's pick sees them, counting only free slots of workers that meet `requires`. */
function capableMembers(
  relays: readonly RelayInfo[],
  kind: string,
  requires: readonly string[],
): MemberCapacity[] {
  return relays.map((r) => ({
    peerId: r.peerId,
    freeSlots: freeSlotsFor(r.capacity, kind, requires),
    kinds: new Set(r.capacity.kinds),
  }))
}
