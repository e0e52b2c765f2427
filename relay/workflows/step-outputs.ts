import { McppError } from '../../shared/errors.ts'
import { INLINE_PAYLOAD_LIMIT } from '../../shared/wire/task-messages.ts'
import type { StepOutput } from '../../shared/workflow/refs.ts'
import type { StepRecord } from '../../shared/workflow/types.ts'
import type { ContentStore } from '../p2p/content-store.ts'

/**
 * Step outputs as references read them, and as the engine stores them: inline up to
 * the task payload limit (INLINE_PAYLOAD_LIMIT, the same bound a worker's result has),
 * above it as a block in the relay's blockstore, named by its CID.
 */
export class StepOutputs {
  readonly #content: ContentStore

  constructor(content: ContentStore) {
    this.#content = content
  }

  /** An output to store: `{ output }` when small, else `{ outputCid }`; `withCid` always adds a CID. */
  async store(value: unknown, withCid = false): Promise<{ output?: unknown; outputCid?: string }> {
    const text = JSON.stringify(value ?? null)
    const bytes = new TextEncoder().encode(text)
    const large = bytes.byteLength > INLINE_PAYLOAD_LIMIT
    if (!large && !withCid) return { output: value }
    const outputCid = await this.#content.put(bytes)
    return large ? { outputCid } : { output: value, outputCid }
  }

  /** A stored output's value, read from the blockstore when it is held by CID. */
  async load(record: { output?: unknown; outputCid: string | null }): Promise<unknown> {
    if (record.output !== undefined || record.outputCid === null) return record.output
    const bytes = await this.#content.get(record.outputCid)
    if (bytes === undefined) {
      throw new McppError('NOT_FOUND', `the output block ${record.outputCid} is missing`, {
        cid: record.outputCid,
      })
    }
    return JSON.parse(new TextDecoder().decode(bytes))
  }

  /**
   * The outputs of the succeeded steps among `ids` (each read with `read`), as
   * resolveRefs reads them. `cids` names the steps a `$cid` reads: an inline output
   * gets its block now.
   */
  async forRefs(
    read: (id: string) => StepRecord | undefined,
    ids: readonly string[],
    cids: ReadonlySet<string>,
  ): Promise<Map<string, StepOutput>> {
    const outputs = new Map<string, StepOutput>()
    for (const id of ids) {
      const step = read(id)
      if (step === undefined || step.state !== 'succeeded') continue
      const value = await this.load(step)
      let cid = step.outputCid
      if (cid === null && cids.has(id))
        cid = await this.#content.put(new TextEncoder().encode(JSON.stringify(value ?? null)))
      outputs.set(id, { value, cid })
    }
    return outputs
  }
}
