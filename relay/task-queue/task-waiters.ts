import type { TaskProgress, TaskRecord } from '../../shared/task/types.ts'

type ProgressListener = (progress: TaskProgress) => void
type DoneListener = (task: TaskRecord) => void

/** Who is waiting for which task to finish, and who wants its progress. */
export class TaskWaiters {
  private readonly done = new Map<string, Set<DoneListener>>()
  private readonly progress = new Map<string, Set<ProgressListener>>()
  private readonly latest = new Map<string, TaskProgress>()

  onDone(id: string, listener: DoneListener): () => void {
    return add(this.done, id, listener)
  }

  onProgress(id: string, listener: ProgressListener): () => void {
    return add(this.progress, id, listener)
  }

  latestProgress(id: string): TaskProgress | undefined {
    return this.latest.get(id)
  }

  reportProgress(id: string, progress: TaskProgress): void {
    this.latest.set(id, progress)
    for (const listener of this.progress.get(id) ?? []) listener(progress)
  }

  finished(task: TaskRecord): void {
    this.latest.delete(task.id)
    const listeners = this.done.get(task.id)
    this.done.delete(task.id)
    this.progress.delete(task.id)
    for (const listener of listeners ?? []) listener(task)
  }
}

function add<T>(map: Map<string, Set<T>>, id: string, listener: T): () => void {
  let set = map.get(id)
  if (!set) {
    set = new Set()
    map.set(id, set)
  }
  set.add(listener)
  return () => {
    set.delete(listener)
    if (set.size === 0 && map.get(id) === set) map.delete(id)
  }
}
