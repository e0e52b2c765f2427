/** The six `p2p_workflow_*` tools over the relay's workflow engine (issue 12). */
import type { ToolCategory } from '../../../shared/tool/types.ts'
import { manageTools } from './manage.ts'
import { WORKFLOW_CATEGORY, type WorkflowToolDeps } from './schemas.ts'
import { submitStatusTools } from './submit-status.ts'

export function workflowTools(deps: WorkflowToolDeps): ToolCategory {
  return { info: WORKFLOW_CATEGORY, tools: [...submitStatusTools(deps), ...manageTools(deps)] }
}
