import { z } from 'zod'
import { valueDeeperThan } from '../json-depth.ts'
import {
  DEFAULT_PRIORITY,
  DEFAULT_TASK_TIMEOUT_MS,
  MAX_PRIORITY,
  MAX_TASK_TIMEOUT_MS,
  MIN_PRIORITY,
} from '../task/defaults.ts'
import { freeForm, freeValue } from '../tool/free-form.ts'
import { trustText } from '../trust/trust-text.ts'
import { trustRequirement } from '../wire/forward-messages.ts'
import { parsePath } from './json-path.ts'
import {
  DEFAULT_PARALLELISM,
  DEFAULT_TASK_STEP_ATTEMPTS,
  DEFAULT_TOOL_STEP_ATTEMPTS,
  MAX_NAME_LENGTH,
  MAX_PARALLELISM,
  MAX_STEP_ATTEMPTS,
  MAX_STEP_JSON_BYTES,
  MAX_STEP_JSON_DEPTH,
  MAX_STEPS,
  STEP_ID_PATTERN,
} from './limits.ts'
import type { WorkflowSpec } from './types.ts'

export { MAX_STEPS }

/**
 * A workflow spec as `p2p_workflow_submit` accepts it (issue 12): strict objects, a
 * bound on every field, defaults applied. References inside `input`/`params` are JSON
 * the schema lets through; validate.ts checks them and the DAG.
 */

const stepId = z
  .string()
  .regex(STEP_ID_PATTERN, 'a step id is 1–64 characters of A-Z a-z 0-9 _ . -')
  .describe('Step id, unique in the workflow')
const name = z.string().min(1).max(MAX_NAME_LENGTH)

/** Depth first (so JSON.stringify cannot overflow the stack), then size. */
function boundedJson(value: unknown, ctx: z.core.$RefinementCtx): void {
  if (value === undefined) return
  if (valueDeeperThan(value, MAX_STEP_JSON_DEPTH)) {
    ctx.addIssue({ code: 'custom', message: `nested deeper than ${MAX_STEP_JSON_DEPTH} levels` })
    return
  }
  const bytes = new TextEncoder().encode(JSON.stringify(value)).length
  if (bytes > MAX_STEP_JSON_BYTES) {
    ctx.addIssue({
      code: 'custom',
      message: `${bytes} bytes as JSON; at most ${MAX_STEP_JSON_BYTES} (pass large data by reference to a step's output)`,
    })
  }
}

const jsonPath = z
  .string()
  .max(256)
  .superRefine((path, ctx) => {
    const parsed = parsePath(path)
    if (!parsed.ok) ctx.addIssue({ code: 'custom', message: parsed.message })
  })
  .describe("A JSON path into the value: $, .name, ['name'], [index]")

/** The task tool's string form (`quorum:3`) or the wire's object form (a spec read back from the store). */
const trust = z
  .union([trustText, trustRequirement])
  .describe("How workers' answers are checked: any, quorum:K or spot-check:RATE")

const priority = z
  .number()
  .int()
  .min(MIN_PRIORITY)
  .max(MAX_PRIORITY)
  .default(DEFAULT_PRIORITY)
  .describe('Higher starts first among ready steps, and is the task priority')
const timeoutMs = z
  .number()
  .int()
  .min(1)
  .max(MAX_TASK_TIMEOUT_MS)
  .default(DEFAULT_TASK_TIMEOUT_MS)
  .describe('Per-attempt time limit')
const attempts = (fallback: number) =>
  z.number().int().min(1).max(MAX_STEP_ATTEMPTS).default(fallback).describe('Attempts in all (1 = no retry)')

const taskBody = {
  type: z.literal('task').describe('A task run on workers through the queue'),
  kind: name.describe('Task kind run on workers (echo, sha256, embed, wasm or any announced kind)'),
  input: freeValue(z.unknown(), 'JSON input for the kind; may hold references to earlier outputs')
    .superRefine(boundedJson)
    .optional(),
  requires: z.array(name).max(32).optional().describe('Capabilities a worker must announce'),
  trust: trust.optional(),
  maxAttempts: attempts(DEFAULT_TASK_STEP_ATTEMPTS),
  timeoutMs,
  priority,
}

const toolBody = {
  type: z.literal('tool').describe('A tool call run through the router'),
  tool: name.describe('Tool to call through the router'),
  params: freeForm(
    z.record(z.string(), z.unknown()),
    "The tool's params; may hold references to earlier outputs",
  )
    .superRefine(boundedJson)
    .optional(),
  maxAttempts: attempts(DEFAULT_TOOL_STEP_ATTEMPTS),
  timeoutMs,
  priority,
}

const after = z.array(stepId).max(MAX_STEPS).optional().describe('Steps that must succeed first')

export const taskStepSchema = z.strictObject({ id: stepId, after, ...taskBody })
export const toolStepSchema = z.strictObject({ id: stepId, after, ...toolBody })

/**
 * A map's `do` holds the per-item settings (attempts, timeout, priority); the map step
 * itself has only a priority, which orders it among ready steps.
 */
export const mapStepSchema = z.strictObject({
  id: stepId,
  after,
  type: z.literal('map').describe('A fan-out over a list an earlier step produced'),
  over: z
    .strictObject({ $ref: stepId, path: jsonPath.optional() })
    .describe('The earlier step whose output (or a path into it) is the list to map over'),
  do: z
    .discriminatedUnion('type', [z.strictObject(taskBody), z.strictObject(toolBody)])
    .describe('Run once per item; { "$item": true } in its input/params is the item'),
  parallelism: z
    .number()
    .int()
    .min(1)
    .max(MAX_PARALLELISM)
    .default(DEFAULT_PARALLELISM)
    .describe('Items running at once'),
  priority,
})

export const stepSchema = z.discriminatedUnion('type', [taskStepSchema, toolStepSchema, mapStepSchema])

export const workflowSpecSchema = z.strictObject({
  name: z.string().min(1).max(256).optional().describe('A name for people'),
  steps: z.array(stepSchema).min(1).max(MAX_STEPS).describe(`The steps (at most ${MAX_STEPS})`),
  onFailure: z
    .enum(['fail-fast', 'continue'])
    .default('fail-fast')
    .describe('fail-fast: the first failure cancels the rest; continue: only its dependents are skipped'),
  idempotencyKey: z
    .string()
    .min(1)
    .max(256)
    .optional()
    .describe('The same key again returns the workflow submitted first'),
  tags: z.array(z.string().max(64)).max(32).optional().describe('Labels to find the workflow by'),
})

export type ParsedWorkflowSpec = z.output<typeof workflowSpecSchema>

// The parsed spec is a WorkflowSpec (with defaults filled in): the engine takes either.
const _fits: (spec: ParsedWorkflowSpec) => WorkflowSpec = (spec) => spec
void _fits
