/**
 * The relay's task queue (issue 10: one home, one entry point). `TaskService` is the
 * only way in: tools, the P2P runtime, the relay directory and the HTTP status read
 * and change tasks through it, and the worker protocols through its `workerSide`.
 *
 *   task-service.ts   the entry point; dispatcher.ts assigns work; worker-side.ts
 *   store/            the durable queue in `<data-dir>/tasks.db` (SQLite, WAL), and the
 *                     workflows whose steps its tasks run (workflow-store.ts)
 *   workers/          connected workers and their statistics
 *
 * Pure decisions (defaults, backoff, eligibility, prefetch, why a task waits, unknown
 * kinds, error codes) live in `shared/task/`.
 */
export { createTaskService } from './create-task-service.ts'
export { DEFAULT_TASK_ORDER, type ListKey, TASK_ORDERS, type TaskOrder } from './store/task-order.ts'
export type { TaskService } from './task-service.ts'
export { taskStorePart } from './task-store-part.ts'
export type { WorkerSide } from './worker-side.ts'
export { ConnectedWorker } from './workers/connected-worker.ts'
