/** Whether a worker announcing these kinds and capabilities may run a task. */
export function canRun(
  task: { kind: string; requires: readonly string[] },
  worker: { kinds: ReadonlySet<string>; capabilities: ReadonlySet<string> },
): boolean {
  return worker.kinds.has(task.kind) && task.requires.every((c) => worker.capabilities.has(c))
}
