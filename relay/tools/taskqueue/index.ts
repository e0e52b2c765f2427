/** The 14 `p2p_taskqueue_*` tools over the relay's task service. */
import type { ToolCategory } from '../../../shared/tool/types.ts'
import type { ToolDeps } from '../tool-deps.ts'
import { manageTools } from './manage.ts'
import { TASKQUEUE_CATEGORY } from './schemas.ts'
import { submitWaitTools } from './submit-wait.ts'
import { workerTools } from './workers.ts'

export type TaskqueueToolDeps = Pick<ToolDeps, 'tasks' | 'directory' | 'guardKind'>

/** `guardKind`: the access policy on task kinds, checked on submit, resubmit and update. */
export function taskqueueTools({ tasks, directory, guardKind }: TaskqueueToolDeps): ToolCategory {
  return {
    info: TASKQUEUE_CATEGORY,
    tools: [
      ...submitWaitTools(tasks, guardKind),
      ...manageTools(tasks, guardKind),
      ...workerTools(tasks, directory),
    ],
  }
}
