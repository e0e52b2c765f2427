import { type AssignedTask, INLINE_PAYLOAD_LIMIT } from '../../shared/wire/task-messages.ts'

/** The relay's blocks as a worker reaches them (/mcpp/block): fetched and verified, or stored for a task. */
export interface PayloadBlocks {
  get(cid: string, options: { signal?: AbortSignal }): Promise<Uint8Array>
  put(
    bytes: Uint8Array,
    task: { taskId: string; token: number },
    options: { signal?: AbortSignal },
  ): Promise<string>
}

/** The task's input: inline, or fetched by CID from the relay and verified. */
export async function taskInput(
  task: AssignedTask,
  blocks: PayloadBlocks | undefined,
  signal: AbortSignal,
): Promise<unknown> {
  if (task.inputCid === undefined) return task.input
  if (!blocks) throw new Error('this worker cannot fetch inputs by CID')
  const bytes = await blocks.get(task.inputCid, { signal })
  return JSON.parse(new TextDecoder().decode(bytes))
}

/** Outputs above the inline limit are stored on the relay and sent as a CID. */
export async function taskOutput(
  output: unknown,
  task: AssignedTask,
  blocks: PayloadBlocks | undefined,
): Promise<{ output: unknown } | { outputCid: string }> {
  const bytes = new TextEncoder().encode(JSON.stringify(output ?? null))
  if (bytes.byteLength <= INLINE_PAYLOAD_LIMIT || !blocks) return { output }
  return { outputCid: await blocks.put(bytes, { taskId: task.taskId, token: task.token }, {}) }
}
