/** What the queue knows of a task when it picks work for a worker. */
export interface TaskNeeds {
  kind: string
  requires: readonly string[]
}

/** What a worker announced: the kinds it implements and its capabilities (e.g. gpu). */
export interface WorkerOffer {
  kinds: ReadonlySet<string>
  capabilities: ReadonlySet<string>
}

/** Whether a worker announcing these kinds and capabilities may run a task. */
export function canRun(task: TaskNeeds, worker: WorkerOffer): boolean {
  return worker.kinds.has(task.kind) && task.requires.every((c) => worker.capabilities.has(c))
}
