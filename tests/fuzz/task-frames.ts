import fc from 'fast-check'
import { encodeFrame, encodeLength } from '../../shared/wire/frame-decoder.ts'
import { MAX_TASK_MESSAGE_BYTES } from '../../shared/wire/task-messages.ts'
import { deepValue, hostileValue, oddNumber, oddString, smallJson } from './hostile-values.ts'
import { type JsonLike, toJsonText } from './json-text.ts'
import { applyMutations, type Mutation, mutationArbitrary } from './schema-params.ts'

/**
 * Frames for `/mcpp/task/1.0.0` (shared/wire/task-messages.ts): garbage, valid frames
 * of random JSON, and valid messages with mutations, which refer to the task the
 * relay really assigned to the fuzz peer so that they get past the token check.
 */

/** The task the relay assigned in this input, when it did. */
export interface Assigned {
  taskId: string
  token: number
  kind: string
}

/** Which task a message names: the one assigned, it with a wrong token, another, or any id. */
type Ref = 'assigned' | 'stale-token' | 'never-assigned' | { id: string; token: JsonLike }

/** A message by type, holding only what that type uses, so that counterexamples read well. */
export type MessageTemplate = { mutations: Mutation[] } & (
  | { type: 'hello' }
  | { type: 'results-ok'; ref: Ref; output: JsonLike }
  | { type: 'results-err'; ref: Ref; message: JsonLike; retryable: boolean }
  | { type: 'started'; ref: Ref }
  | { type: 'progress'; ref: Ref; progress: JsonLike; message: JsonLike }
  | { type: 'heartbeat'; ref: Ref }
  | { type: 'bye'; reason: JsonLike }
)

export type TaskStep =
  | { t: 'bytes'; bytes: Uint8Array }
  | { t: 'json'; value: JsonLike }
  | { t: 'message'; message: MessageTemplate }
  /** A frame whose length prefix promises more than is sent; the stream then ends. */
  | { t: 'truncated'; message: MessageTemplate; keep: number }
  /** A length prefix just over, or far over, the frame limit, with nothing after it. */
  | { t: 'oversized'; declared: number }
  /** A varint that never ends. */
  | { t: 'endless-varint' }
  /** A valid frame cut into tiny writes. */
  | { t: 'split'; message: MessageTemplate; chunk: number }
  /** The same message many times in one go. */
  | { t: 'flood'; message: MessageTemplate; count: number }

export interface TaskScenario {
  /** The first message: a valid hello, none (straight to the steps), or a hello with mutations. */
  hello: 'valid' | 'none' | { mutations: Mutation[] }
  concurrency: number
  /** Submit a task of the peer's kind first, so that the steps can refer to a real assignment. */
  submit: boolean
  input: JsonLike
  /** The first message after the assignment, before any step can have broken the stream. */
  first: MessageTemplate | null
  steps: TaskStep[]
  ending: 'close' | 'abort' | 'linger'
}

const ref: fc.Arbitrary<Ref> = fc.oneof(
  { weight: 3, arbitrary: fc.constant('assigned' as const) },
  { weight: 1, arbitrary: fc.constantFrom('stale-token' as const, 'never-assigned' as const) },
  { weight: 1, arbitrary: fc.record({ id: oddString, token: oddNumber }) },
)

const mutations: fc.Arbitrary<Mutation[]> = fc.oneof(
  { weight: 2, arbitrary: fc.constant<Mutation[]>([]) },
  { weight: 1, arbitrary: fc.array(mutationArbitrary, { minLength: 1, maxLength: 2 }) },
)

const text = fc.oneof(oddString, hostileValue)

// Results for the task really assigned reach the most code (settling, storing, waking
// waiters), so they are the most frequent; deep outputs are the known way to crash a
// relay while a result is settled.
export const messageTemplate: fc.Arbitrary<MessageTemplate> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      type: fc.constant('results-ok' as const),
      ref,
      output: fc.oneof({ weight: 1, arbitrary: hostileValue }, { weight: 2, arbitrary: deepValue }),
      mutations,
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      type: fc.constant('results-err' as const),
      ref,
      message: text,
      retryable: fc.boolean(),
      mutations,
    }),
  },
  { weight: 1, arbitrary: fc.record({ type: fc.constant('started' as const), ref, mutations }) },
  {
    weight: 1,
    arbitrary: fc.record({
      type: fc.constant('progress' as const),
      ref,
      progress: oddNumber,
      message: text,
      mutations,
    }),
  },
  { weight: 1, arbitrary: fc.record({ type: fc.constant('heartbeat' as const), ref, mutations }) },
  { weight: 1, arbitrary: fc.record({ type: fc.constant('bye' as const), reason: text, mutations }) },
  { weight: 1, arbitrary: fc.record({ type: fc.constant('hello' as const), mutations }) },
)

const step: fc.Arbitrary<TaskStep> = fc.oneof(
  {
    weight: 1,
    arbitrary: fc.record({ t: fc.constant('bytes' as const), bytes: fc.uint8Array({ maxLength: 256 }) }),
  },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('json' as const), value: smallJson }) },
  { weight: 6, arbitrary: fc.record({ t: fc.constant('message' as const), message: messageTemplate }) },
  {
    weight: 1,
    arbitrary: fc.record({ t: fc.constant('truncated' as const), message: messageTemplate, keep: fc.nat() }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      t: fc.constant('oversized' as const),
      declared: fc.constantFrom(MAX_TASK_MESSAGE_BYTES + 1, 2 ** 31, 2 ** 34),
    }),
  },
  { weight: 1, arbitrary: fc.constant({ t: 'endless-varint' as const }) },
  {
    weight: 1,
    arbitrary: fc.record({
      t: fc.constant('split' as const),
      message: messageTemplate,
      chunk: fc.integer({ min: 1, max: 7 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      t: fc.constant('flood' as const),
      message: messageTemplate,
      count: fc.constantFrom(10, 100, 1000),
    }),
  },
)

export const taskScenario: fc.Arbitrary<TaskScenario> = fc.record({
  hello: fc.oneof(
    { weight: 3, arbitrary: fc.constant('valid' as const) },
    { weight: 1, arbitrary: fc.constant('none' as const) },
    {
      weight: 1,
      arbitrary: fc.record({ mutations: fc.array(mutationArbitrary, { minLength: 1, maxLength: 2 }) }),
    },
  ),
  concurrency: fc.integer({ min: 1, max: 4 }),
  submit: fc.constantFrom(true, true, true, false),
  input: fc.oneof({ weight: 5, arbitrary: smallJson }, { weight: 1, arbitrary: hostileValue }),
  first: fc.oneof({ weight: 2, arbitrary: messageTemplate }, { weight: 1, arbitrary: fc.constant(null) }),
  steps: fc.array(step, { maxLength: 4 }),
  ending: fc.constantFrom<TaskScenario['ending']>('close', 'abort', 'linger'),
})

/** The message a template stands for, given what the relay assigned (if anything). */
export function buildMessage(
  m: MessageTemplate,
  assigned: Assigned | undefined,
  kind: string,
  concurrency: number,
): JsonLike {
  const ids = (r: Ref): { taskId: JsonLike; token: JsonLike } => {
    if (typeof r === 'object') return { taskId: r.id, token: r.token }
    if (r === 'never-assigned' || !assigned) return { taskId: `never-assigned-${kind}`, token: 1 }
    return { taskId: assigned.taskId, token: r === 'stale-token' ? assigned.token + 1 : assigned.token }
  }
  const message = ((): JsonLike => {
    switch (m.type) {
      case 'hello':
        return { type: 'hello', version: 1, name: 'fuzz', kinds: [kind], capabilities: [], concurrency }
      case 'results-ok':
        return { type: 'results', results: [{ ...ids(m.ref), ok: true, output: m.output, durationMs: 1 }] }
      case 'results-err':
        return {
          type: 'results',
          results: [
            {
              ...ids(m.ref),
              ok: false,
              error: { code: 'FUZZ', message: m.message },
              retryable: m.retryable,
              durationMs: 1,
            },
          ],
        }
      case 'started':
        return { type: 'started', tasks: [ids(m.ref)] }
      case 'progress':
        return { type: 'progress', ...ids(m.ref), progress: m.progress, total: 10, message: m.message }
      case 'heartbeat':
        return { type: 'heartbeat', inFlight: [ids(m.ref).taskId] }
      case 'bye':
        return { type: 'bye', reason: m.reason }
    }
  })()
  return applyMutations(message, m.mutations, {})
}

export function frameOf(value: JsonLike): Uint8Array {
  return encodeFrame(new TextEncoder().encode(toJsonText(value))).subarray()
}

/** A varint length prefix (the framing of frame-decoder.ts). */
export const varint = encodeLength
