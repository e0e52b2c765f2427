/** What a task worker reports to whoever hosts it (the contribute page, the CLI). */
export type WorkerState = 'idle' | 'connecting' | 'connected' | 'draining' | 'disconnected' | 'stopped'

export type WorkerEvent =
  | { type: 'state'; state: WorkerState; relay?: string; error?: string }
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
  /** Tasks held: running ones (`started`) and ones buffered for a free compute slot. */
  inFlight: Array<{ taskId: string; kind: string; started: boolean; progress?: number; total?: number }>
}
