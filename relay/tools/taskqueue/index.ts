/** The 14 `p2p_taskqueue_*` tools over the relay's task service. */
import type { RelayDirectory } from '../../p2p/relay-directory.ts'
import type { TaskService } from '../../tasks/task-service.ts'
import { manageTools } from './manage.ts'
import { TASKQUEUE_CATEGORY } from './schemas.ts'
import { submitWaitTools } from './submit-wait.ts'
import { workerTools } from './workers.ts'

export function taskqueueTools(tasks: TaskService, directory: RelayDirectory) {
  return {
    info: TASKQUEUE_CATEGORY,
    tools: [...submitWaitTools(tasks), ...manageTools(tasks), ...workerTools(tasks, directory)],
  }
}
