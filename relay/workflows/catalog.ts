import type { ToolRegistry } from '../../shared/tool/registry.ts'
import { describeProblems, validate } from '../../shared/tool/validate.ts'
import type { WorkflowCatalog } from '../../shared/workflow/validate.ts'
import type { TaskService } from '../task-queue/index.ts'

/**
 * What validateWorkflow checks a spec against on this relay: its registered tools
 * (params against the tool's input schema, keys filled by references only when the step
 * runs being optional) and the task kinds the queue accepts now (tasks.unknownKinds:
 * `warn` accepts any kind, as p2p_taskqueue_submit does).
 */
export function relayCatalog(registry: ToolRegistry, tasks: TaskService): WorkflowCatalog {
  return {
    hasTool: (name) => registry.get(name) !== undefined,
    hasKind: (kind) => tasks.acceptsKind(kind),
    checkParams: (name, params, deferred) => {
      const tool = registry.get(name)
      if (tool === undefined) return `unknown tool "${name}"`
      const optional = Object.fromEntries(deferred.map((k) => [k, true])) as Record<string, true>
      const schema = deferred.length === 0 ? tool.input : tool.input.partial(optional as never)
      const result = validate(schema, params, { renamed: tool.renamed })
      return result.ok ? undefined : describeProblems(result.problems, result.omitted)
    },
  }
}

/** Accepts everything: a stored spec was validated when it was submitted; this only rebuilds its plan. */
export const TRUSTED_CATALOG: WorkflowCatalog = {
  hasTool: () => true,
  hasKind: () => true,
  checkParams: () => undefined,
}
