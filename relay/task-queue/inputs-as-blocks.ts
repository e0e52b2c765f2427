import type { TaskSpec } from '../../shared/task/types.ts'
import { INLINE_PAYLOAD_LIMIT } from '../../shared/wire/task-messages.ts'
import type { ContentStore } from '../p2p/content-store.ts'

/**
 * Moves task inputs above the inline limit into the blockstore, so they travel as
 * CIDs (workers fetch and verify them). Specs with small inputs come back as they are.
 */
export async function inputsAsBlocks(specs: TaskSpec[], content: ContentStore): Promise<TaskSpec[]> {
  // A UTF-16 code unit is at most 3 UTF-8 bytes: most inputs are plainly small enough.
  const large = (spec: TaskSpec) =>
    spec.input !== undefined &&
    spec.inputCid === undefined &&
    JSON.stringify(spec.input).length * 3 > INLINE_PAYLOAD_LIMIT
  if (!specs.some(large)) return specs
  return Promise.all(
    specs.map(async (spec) => {
      if (!large(spec)) return spec
      const bytes = new TextEncoder().encode(JSON.stringify(spec.input))
      if (bytes.byteLength <= INLINE_PAYLOAD_LIMIT) return spec
      const { input: _input, ...rest } = spec
      return { ...rest, inputCid: await content.put(bytes) }
    }),
  )
}
