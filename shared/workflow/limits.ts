import { MAX_PARAMS_DEPTH } from '../tool/validate.ts'

/** Bounds on a workflow spec (issue 12), named once so tools, docs and tests agree. */

/** Steps one workflow may have. */
export const MAX_STEPS = 1_000
/** A step id: 1–64 characters of [A-Za-z0-9_.-]. */
export const STEP_ID_PATTERN = /^[A-Za-z0-9_.-]{1,64}$/
/** A task kind or a tool name. */
export const MAX_NAME_LENGTH = 64
/**
 * How deeply a step's `input` or `params` may nest: the tool layer already refuses
 * params deeper than MAX_PARAMS_DEPTH, and a spec read back from the store is held to
 * the same bound before anything walks it recursively.
 */
export const MAX_STEP_JSON_DEPTH = MAX_PARAMS_DEPTH
/** A step's literal `input` or `params` as JSON text; large data comes from a step's output by reference. */
export const MAX_STEP_JSON_BYTES = 1024 * 1024
/** Attempts of a step, retries included. */
export const MAX_STEP_ATTEMPTS = 10
export const DEFAULT_TASK_STEP_ATTEMPTS = 3
export const DEFAULT_TOOL_STEP_ATTEMPTS = 1
/** Items of a map step running at once. */
export const MAX_PARALLELISM = 256
export const DEFAULT_PARALLELISM = 16
/**
 * Items one map step may fan out to (the test maps 10,000). The map's items are
 * stored in one statement when it starts: 10,000 take about 30 ms, 100,000 took 600 ms,
 * past the 50 ms the relay may hold its event loop.
 */
export const MAX_MAP_ITEMS = 10_000
