/**
 * Workflows (issue 12), pure: the model (types.ts), the submit schema (spec-schema.ts),
 * references to earlier outputs and their JSON paths (refs.ts, json-path.ts), the checks
 * that refuse a spec before it runs (validate.ts), the DAG and its critical path
 * (dag.ts) and pictures (dag-render.ts), the scheduler's decisions (plan.ts) and step
 * settings (settings.ts). The relay's engine (relay/workflows/) stores and acts.
 *
 * Like the other shared folders' index files, this one exports nothing: import the file
 * that holds the concept.
 */
