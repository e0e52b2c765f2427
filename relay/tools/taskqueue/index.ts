/** The 14 `p2p_taskqueue_*` tools over the relay's task service. */
import type { RelayDirectory } from '../../p2p/relay-directory.ts'
import type { KindGuard } from '../../security/kind-guard.ts'
import type { TaskService } from '../../task-queue/index.ts'
import { manageTools } from './manage.ts'
import { TASKQUEUE_CATEGORY } from './schemas.ts'
import { submitWaitTools } from './submit-wait.ts'
import { workerTools } from './workers.ts'

/** `guardKind`: the access policy on task kinds, checked on submit, resubmit and update. */
export function taskqueueTools(tasks: TaskService, directory: RelayDirectory, guardKind: KindGuard) {
  return {
    info: TASKQUEUE_CATEGORY,
    tools: [
      ...submitWaitTools(tasks, guardKind),
      ...manageTools(tasks, guardKind),
      ...workerTools(tasks, directory),
    ],
  }
}
