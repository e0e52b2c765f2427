import type { BlockAccess } from '../p2p/block-protocol.ts'
import type { TaskService } from '../task-queue/index.ts'

interface OutputBlocks {
  fence: number
  outputCids: Set<string> | undefined
  outputBytes: number
}

/**
 * The owner's blocks as a member relay running one of its tasks may touch them over
 * `/mcpp/block/1.0.0`, with the rights a worker holding the task would have: it may
 * read the task's input block while the offer is open (it fetches the input before it
 * accepts), and store output blocks under the task's id and the fence of the lease it
 * holds, within the same per-task quota as a worker. Nothing else of the blockstore.
 */
export class HandOffBlocks {
  readonly #tasks: TaskService
  /** `peer cid` → open offers that let that member read that input block. */
  readonly #inputs = new Map<string, number>()
  /** Task id → output blocks its runner stored under the current fence. */
  readonly #outputs = new Map<string, OutputBlocks>()

  constructor(tasks: TaskService) {
    this.#tasks = tasks
  }

  /** Lets `peerId` read block `cid` until the returned function is called. */
  openInput(peerId: string, cid: string): () => void {
    const key = `${peerId} ${cid}`
    this.#inputs.set(key, (this.#inputs.get(key) ?? 0) + 1)
    let open = true
    return () => {
      if (!open) return
      open = false
      const n = (this.#inputs.get(key) ?? 1) - 1
      if (n === 0) this.#inputs.delete(key)
      else this.#inputs.set(key, n)
    }
  }

  /** Whether member `peerId`, holding `taskId` under `fence`, stored block `cid` for it. */
  storedOutput(peerId: string, taskId: string, fence: number, cid: string): boolean {
    return this.#leased(peerId, taskId, fence) && (this.#outputs.get(taskId)?.outputCids?.has(cid) ?? false)
  }

  /** The task finished or left its runner: its output bookkeeping goes. */
  forget(taskId: string): void {
    this.#outputs.delete(taskId)
  }

  /** Workers' rights (`workers`), widened by these for member relays. */
  access(workers: BlockAccess): BlockAccess {
    return {
      holdsInput: (peerId, cid) => workers.holdsInput(peerId, cid) || this.#inputs.has(`${peerId} ${cid}`),
      heldBy: (peerId, taskId, token) =>
        workers.heldBy(peerId, taskId, token) ?? this.#heldBy(peerId, taskId, token),
    }
  }

  #heldBy(peerId: string, taskId: string, fence: number): OutputBlocks | undefined {
    if (!this.#leased(peerId, taskId, fence)) return undefined
    let entry = this.#outputs.get(taskId)
    if (entry === undefined || entry.fence !== fence) {
      entry = { fence, outputCids: undefined, outputBytes: 0 }
      this.#outputs.set(taskId, entry)
    }
    return entry
  }

  #leased(peerId: string, taskId: string, fence: number): boolean {
    return this.#tasks.relaySide.leasedTo(peerId, taskId, fence)
  }
}
