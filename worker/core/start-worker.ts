import type { PrivateKey } from '@libp2p/interface'
import { BUILTIN_TASK_KINDS } from '../../shared/task/types.ts'
import { MAX_CONCURRENCY } from '../../shared/wire/task-messages.ts'
import { ComputePool, type SpawnCompute } from '../compute/compute-pool.ts'
import { BlockClient } from './block-client.ts'
import { createWorkerNode } from './create-worker-node.ts'
import { resolveRelay } from './relay-address.ts'
import { TaskWorker } from './task-worker.ts'
import type { WorkerEvent } from './worker-events.ts'

export interface StartWorkerOptions {
  /** The relay: its HTTP base URL (`http://host:8000`) or a multiaddr ending in /p2p/<id>. */
  relay: string
  concurrency: number
  name: string
  userAgent?: string
  /** Join token for relays that admit workers by token. */
  joinToken?: string
  /** The node's key (its PeerId); a fresh one when absent. The contribute page keeps one per tab. */
  privateKey?: PrivateKey
  spawnCompute: SpawnCompute
  /** Start paused: hello is followed at once by capacity 0. */
  paused?: boolean
  onEvent?: (event: WorkerEvent) => void
  /** First reconnect delay after the relay goes away (doubles up to 30 s). */
  reconnectBaseMs?: number
  /**
   * Tasks buffered beyond `concurrency` (default: DEFAULT_PREFETCH or 4 per slot);
   * the relay uses as much of it as the worker's task durations call for.
   */
  prefetch?: number
}

export const DEFAULT_PREFETCH = 128

export function defaultPrefetch(concurrency: number): number {
  return Math.min(MAX_CONCURRENCY - concurrency, Math.max(DEFAULT_PREFETCH, 4 * concurrency))
}

export interface RunningWorker {
  worker: TaskWorker
  /** Its compute contexts (the contribute page's CPU cap applies here). */
  pool: ComputePool
  /** The node's PeerId. */
  peerId: string
  relayAddress: string
  stop(options?: { drain?: boolean }): Promise<void>
}

/** Builds the worker's components (libp2p node, compute pool, task worker) and starts it. */
export async function startWorker(options: StartWorkerOptions): Promise<RunningWorker> {
  const relayAddress = options.relay.startsWith('/') ? options.relay : await resolveRelay(options.relay)
  const node = await createWorkerNode(
    options.privateKey === undefined ? {} : { privateKey: options.privateKey },
  )
  const pool = new ComputePool(options.spawnCompute, options.concurrency)
  // Blocks are fetched from the relay the worker is on at the time.
  const blocks = new BlockClient(node, () => worker.currentRelay().addresses)
  const worker: TaskWorker = new TaskWorker({
    node,
    relay: relayAddress,
    pool,
    blocks,
    name: options.name,
    kinds: BUILTIN_TASK_KINDS,
    ...(options.userAgent === undefined ? {} : { userAgent: options.userAgent }),
    ...(options.joinToken === undefined ? {} : { joinToken: options.joinToken }),
    ...(options.onEvent === undefined ? {} : { onEvent: options.onEvent }),
    ...(options.reconnectBaseMs === undefined ? {} : { reconnectBaseMs: options.reconnectBaseMs }),
    prefetch: options.prefetch ?? defaultPrefetch(options.concurrency),
  })
  if (options.paused) worker.setCapacity({ paused: true })
  await worker.start()
  return {
    worker,
    pool,
    peerId: node.peerId.toString(),
    relayAddress,
    stop: async (stopOptions) => {
      await worker.stop(stopOptions)
      pool.close()
      await node.stop()
    },
  }
}
