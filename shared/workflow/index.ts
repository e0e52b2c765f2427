/**
 * Workflows (issue 12), pure: the model (types.ts), the submit schema (spec-schema.ts),
 * references to earlier outputs and their JSON paths (refs.ts, json-path.ts), the checks
 * that refuse a spec before it runs (validate.ts), the DAG and its critical path
 * (dag.ts) and pictures (dag-render.ts), the scheduler's decisions (plan.ts) and step
 * settings (settings.ts). The relay's engine (relay/workflows/) stores and acts.
 *
 * Unlike the other shared folders' index files, this one re-exports the hand-picked API
 * the engine and the tools use (the brief of issue 12 asked for one entry point).
 */
export {
  buildGraph,
  type CriticalPath,
  criticalPath,
  type StepGraph,
  stepDependencyIds,
  topoOrder,
} from './dag.ts'
export { type DagView, toDot, toJson, toMermaid } from './dag-render.ts'
export { MAX_PATH_LENGTH } from './json-path.ts'
export { MAX_MAP_ITEMS, MAX_PARALLELISM, MAX_STEP_ATTEMPTS, MAX_STEPS, STEP_ID_PATTERN } from './limits.ts'
export {
  type MapDecision,
  type MapProgress,
  mapItems,
  planMap,
  type ScheduleDecision,
  type ScheduleInput,
  schedule,
  workflowState,
} from './plan.ts'
export {
  findRefs,
  type ResolveContext,
  type Resolved,
  referencedSteps,
  resolveRefs,
  type StepOutput,
} from './refs.ts'
export { type StepSettings, stepSettings } from './settings.ts'
export { type ParsedWorkflowSpec, workflowSpecSchema } from './spec-schema.ts'
export type * from './types.ts'
export { STEP_FINAL_STATES } from './types.ts'
export {
  validateWorkflow,
  type WorkflowCatalog,
  type WorkflowError,
  type WorkflowErrorCode,
  type WorkflowPlan,
  type WorkflowValidation,
  workflowRejected,
} from './validate.ts'
