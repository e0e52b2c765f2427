import type { AssignedTask } from '../../shared/wire/task-messages.ts'

/** What a task worker reports to whoever hosts it (the contribute page, the CLI). */
export type WorkerState = 'idle' | 'connecting' | 'connected' | 'draining' | 'disconnected' | 'stopped'

export type WorkerEvent =
  | {
      type: 'state'
      state: WorkerState
      relay?: string
      error?: string
      /** When disconnected: the next dial is this many ms away (the real reconnect schedule). */
      retryInMs?: number
    }
  | { type: 'task-start'; taskId: string; kind: string }
  | { type: 'task-progress'; taskId: string; progress: number; total?: number; message?: string }
  | { type: 'task-done'; taskId: string; kind: string; ok: boolean; durationMs: number; error?: string }
  | { type: 'stats'; stats: WorkerStats }

export interface WorkerStats {
  state: WorkerState
  relay: string | null
  workerId: string | null
  done: number
  failed: number
  /** Compute contexts taking work. */
  slots: number
  /** Told the relay capacity 0: it takes no new tasks. */
  paused: boolean
  /** The kind and origin of the task finished last. */
  last?: { kind: string; origin?: TaskOrigin }
  /** Tasks held: running ones (`started`) and ones buffered for a free compute slot. */
  inFlight: Array<{
    taskId: string
    kind: string
    origin?: TaskOrigin
    started: boolean
    progress?: number
    total?: number
  }>
}

/** What a task serves: the tool called, or a workflow's step. */
export type TaskOrigin = NonNullable<AssignedTask['origin']>
