import { availableParallelism } from 'node:os'
import { setTimeout } from 'node:timers/promises'
import type { TransferListItem } from 'node:worker_threads'
import { Piscina } from 'piscina'
import { McppError } from '../../shared/errors.ts'
import type { Startable } from '../../shared/startable.ts'
import { JsonArg, type WorkerReply } from './worker-reply.ts'

/** How long a /metrics scrape waits for a thread's heap figures. */
const HEAP_READ_MS = 1_000
/** How much lower than the event loop's the compute threads' scheduling priority is (Linux nice). */
const COMPUTE_NICE = 10

export interface ComputePoolInit {
  /** The worker module (absolute URL); its named exports are the operations. */
  module: URL
  /** Threads at most. A stateful module (one that owns indexes in memory) uses one. */
  threads: number
  /** A task that runs longer is stopped (its thread is terminated) and fails with TIMEOUT. */
  timeoutMs: number
  /** Heap limit of each thread; a task that exceeds it fails with QUOTA_EXCEEDED. */
  memoryMb: number
  /** What the pool computes, for error messages ("the graph thread"). */
  label: string
  /** Keeps idle threads (and what they hold in memory) this long before ending them. */
  idleMs?: number
}

export interface RunOptions {
  signal?: AbortSignal
  /**
   * Sends the argument as JSON text instead of a structured clone: for a tree of many
   * small objects, native JSON.stringify costs the event loop a fifth of a clone. Only
   * for JSON-safe arguments (validated tool input).
   */
  json?: boolean
  /** Objects moved to the thread rather than copied (a MessagePort for progress). */
  transferList?: TransferListItem[]
  /** Overrides the pool's time limit for this task. */
  timeoutMs?: number
}

/**
 * Runs CPU-heavy work on worker threads (Piscina) so that no tool call holds the
 * relay's event loop (issue 9: at most 50 ms). Every task has a time limit: when it
 * passes, or the caller cancels, Piscina terminates the thread that runs it, which is
 * the only way to stop synchronous JavaScript or a native call, and the task fails with
 * TIMEOUT (or the caller's reason). Worker exports answer with a `WorkerReply`, so an
 * McppError thrown in a thread keeps its code on this side.
 */
export class ComputePool implements Startable {
  private readonly piscina: Piscina
  private readonly timeoutMs: number
  private readonly label: string
  private readonly memoryMb: number
  private stopped: Promise<void> | undefined

  constructor(init: ComputePoolInit) {
    this.timeoutMs = init.timeoutMs
    this.label = init.label
    this.memoryMb = init.memoryMb
    this.piscina = new Piscina({
      filename: init.module.href,
      minThreads: 0,
      maxThreads: init.threads,
      idleTimeout: init.idleMs ?? 60_000,
      concurrentTasksPerWorker: 1,
      // Compute threads run at a lower priority, so that on a busy machine the event
      // loop still gets a core as soon as it has something to do.
      niceIncrement: COMPUTE_NICE,
      resourceLimits: { maxOldGenerationSizeMb: init.memoryMb },
      // Tasks arrive as ordinary 'message' events, so a thread's event loop turns
      // between tasks. With Piscina's default (`sync`), an idle thread blocks in
      // Atomics.wait and takes the next task from there: its loop never turns while
      // tasks keep coming, so what a task leaves to the loop is never done. Measured:
      // each closed MessagePort (every offloaded tool call transfers one for progress)
      // stayed in the thread's heap, ~1.2 KB a call, 480 MB after 400,000 calls until
      // the thread hit its memory limit; and an idle thread never answered a heap
      // request. Without Atomics the heap stays flat and the rate of tasks was the same
      // or higher (43,000 vs 38,000 per 5 s on this 2-core machine).
      atomics: 'disabled',
    })
  }

  /** Runs the module's export `op` with `arg` (structured-cloned to the thread). */
  async run<T>(op: string, arg: unknown, options: RunOptions = {}): Promise<T> {
    if (this.stopped) throw new McppError('SHUTTING_DOWN', `${this.label} is stopped: the relay is stopping`)
    const limit = options.timeoutMs ?? this.timeoutMs
    const timeout = AbortSignal.timeout(limit)
    const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout
    signal.throwIfAborted()
    let reply: WorkerReply<T>
    try {
      reply = (await this.piscina.run(options.json ? new JsonArg(JSON.stringify(arg)) : arg, {
        name: op,
        signal,
        ...(options.transferList ? { transferList: options.transferList as never } : {}),
      })) as WorkerReply<T>
    } catch (err) {
      if (options.signal?.aborted) throw options.signal.reason
      if (timeout.aborted) {
        throw new McppError(
          'TIMEOUT',
          `${this.label} stopped the work after ${limit / 1000} s (compute.timeoutSeconds)`,
          { limitMs: limit },
        )
      }
      throw this.crashed(err)
    }
    if (!reply.ok) throw new McppError(reply.code, reply.message, reply.details)
    return reply.value
  }

  /** What the pool is for, as a metric label: "the graph thread" → "graph". */
  get name(): string {
    return this.label.replace(/^the /, '').replace(/ threads?$/, '')
  }

  /**
   * The V8 heaps of the threads running now (used and committed bytes, summed): memory
   * the main thread's heap metrics do not show, each thread being an isolate of its own.
   * A thread inside a long native call answers only when it returns, so a thread that
   * has not answered within HEAP_READ_MS is left out rather than holding up a scrape.
   */
  async heap(): Promise<{ used: number; total: number; threads: number }> {
    const stats = await Promise.all(
      this.piscina.threads.map((t) =>
        Promise.race([t.getHeapStatistics(), setTimeout(HEAP_READ_MS, undefined, { ref: false })]).catch(
          () => undefined,
        ),
      ),
    )
    const live = stats.filter((s) => s !== undefined)
    return {
      used: live.reduce((sum, s) => sum + s.used_heap_size, 0),
      total: live.reduce((sum, s) => sum + s.total_heap_size, 0),
      threads: live.length,
    }
  }

  /** Threads running now (idle ones included). */
  get threads(): number {
    return this.piscina.threads.length
  }

  /** Threads start on demand (none before the first task), so there is nothing to start. */
  start(): void {}

  /** Ends the threads (a task still running is stopped with them); safe to call again. */
  stop(): Promise<void> {
    this.stopped ??= this.piscina.destroy()
    return this.stopped
  }

  private crashed(err: unknown): McppError {
    const code = (err as { code?: unknown }).code
    if (code === 'ERR_WORKER_OUT_OF_MEMORY') {
      return new McppError(
        'QUOTA_EXCEEDED',
        `${this.label} ran out of memory (limit ${this.memoryMb} MB, compute.memoryMb)`,
      )
    }
    return new McppError('INTERNAL', `${this.label} failed: ${(err as Error).message ?? String(err)}`)
  }
}

/** Threads for stateless work: one core is left to the event loop. */
export function defaultComputeThreads(): number {
  return Math.max(1, Math.min(4, availableParallelism() - 1))
}
