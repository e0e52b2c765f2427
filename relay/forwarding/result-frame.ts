import type { TaskErrorCode } from '../../shared/task/error-codes.ts'
import { cidOf } from '../../shared/wire/block-protocol.ts'
import type { ForwardFrame } from '../../shared/wire/forward-messages.ts'
import { INLINE_PAYLOAD_LIMIT } from '../../shared/wire/task-messages.ts'
import type { ContentStore } from '../p2p/content-store.ts'
import type { TaskService } from '../task-queue/index.ts'
import type { ForwardedRecord } from '../task-queue/relay-side.ts'

/** Failures that would repeat anywhere: the owner fails the task instead of running it elsewhere. */
const FINAL: ReadonlySet<TaskErrorCode> = new Set(['INVALID_INPUT', 'MEMORY_LIMIT', 'WASM_TRAP', 'NO_QUORUM'])

export interface ResultFrameDeps {
  tasks: TaskService
  content: ContentStore
  /** Stores an output block on the owner under the task's id and fence; returns the CID the owner computed. */
  storeOnOwner: (bytes: Uint8Array) => Promise<string>
}

/**
 * A finished forwarded task as its result for the owner, under the owner's fence. An
 * output up to INLINE_PAYLOAD_LIMIT travels in the frame; a larger one (a worker's
 * output block, or a large inline output) is stored on the owner first and the result
 * names its CID, which must be the one computed here (the owner computed it too).
 */
export async function resultFrame(deps: ResultFrameDeps, held: ForwardedRecord): Promise<ForwardFrame> {
  const { task, origin } = held
  const base = { type: 'result' as const, taskId: origin.remoteId, fence: origin.fence }
  if (task.state === 'succeeded') {
    const bytes = await outputBytes(deps, held)
    if (bytes.byteLength <= INLINE_PAYLOAD_LIMIT) {
      const output: unknown = JSON.parse(new TextDecoder().decode(bytes))
      return { ...base, ok: true, output, verification: task.verification }
    }
    const expected = (await cidOf(bytes)).toString()
    const stored = await deps.storeOnOwner(bytes)
    if (stored !== expected) throw new Error(`the owner stored the output as ${stored}, not ${expected}`)
    return { ...base, ok: true, outputCid: stored, verification: task.verification }
  }
  const error = task.error ?? { code: 'TASK_FAILED', message: `the task ended ${task.state}` }
  return {
    ...base,
    ok: false,
    error,
    retryable: !FINAL.has(error.code),
    verification: task.verification,
  }
}

/** The output as JSON bytes: the block a worker stored, or the inline value. */
async function outputBytes(deps: ResultFrameDeps, held: ForwardedRecord): Promise<Uint8Array> {
  const { task } = held
  if (task.outputCid === null) return new TextEncoder().encode(JSON.stringify(task.output ?? null))
  const bytes = await deps.content.get(task.outputCid)
  if (bytes === undefined) throw new Error(`the output block ${task.outputCid} of task ${task.id} is missing`)
  return bytes
}
