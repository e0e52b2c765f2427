import type { LifecyclePart } from '../../shared/startable.ts'
import { lifecyclePart } from '../lifecycle.ts'
import type { TaskService } from './task-service.ts'

/**
 * The task service's durable side as a part: `createTaskService` opens the queue (and
 * recovers tasks leased before a crash) as it is built, so there is nothing to start;
 * its scheduling starts with the libp2p part, which brings the workers. `stop()` stops
 * the scheduler and closes the stores (TaskService.stop is idempotent).
 */
export function taskStorePart(tasks: TaskService): LifecyclePart {
  return lifecyclePart(
    'task-store',
    () => {},
    () => tasks.stop(),
  )
}
