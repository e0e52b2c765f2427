import { isWorkerRelayAddress, MAX_WORKER_RELAY_ADDRESSES } from '../network/worker-relays.ts'
import { declaredTaskError, MAX_TASK_ERROR_MESSAGE } from '../task/error-codes.ts'
import { RESERVED_CAPABILITY_PREFIX } from '../trust/admission.ts'
import { z } from '../zod-mini.ts'

/**
 * `/mcpp/task/1.0.0`: one long-lived stream per worker connection, opened by the
 * worker. Frames are length-prefixed JSON (see framed-channel.ts) validated against
 * these schemas on arrival; anything else resets the stream.
 *
 *   worker → relay: hello, capacity, started, results, progress, heartbeat, bye
 *   relay → worker: welcome, assign, cancel, drain, error
 *
 * The relay never has more tasks assigned to a worker than the `concurrency` the
 * worker announced (flow control); assignment is pushed, never polled.
 */
export const TASK_PROTOCOL = '/mcpp/task/1.0.0'
export const TASK_PROTOCOL_VERSION = 1
/** Larger inputs and outputs travel as CIDs over `/mcpp/block/1.0.0` (block-protocol.ts). */
export const INLINE_PAYLOAD_LIMIT = 256 * 1024
export const MAX_TASK_MESSAGE_BYTES = 1024 * 1024 + 64 * 1024
export const MAX_CONCURRENCY = 256

const id = z.string().check(z.minLength(1), z.maxLength(128))
const token = z.int().check(z.nonnegative())
const name = z.string().check(z.minLength(1), z.maxLength(64))
const count = (min: number) => z.int().check(z.minimum(min), z.maximum(MAX_CONCURRENCY))
const text = (max: number) => z.string().check(z.maxLength(max))
/**
 * A worker's error, mapped into the declared vocabulary on arrival: an undeclared code
 * becomes WORKER_ERROR (the original stays in the message), never trusted verbatim.
 */
const taskError = z.pipe(
  z.strictObject({ code: name, message: text(MAX_TASK_ERROR_MESSAGE) }),
  z.transform(declaredTaskError),
)

export const helloMessage = z.strictObject({
  type: z.literal('hello'),
  version: z.literal(TASK_PROTOCOL_VERSION),
  /** Human-readable label shown in stats, e.g. "chromium tab" or a host name. */
  name: text(128),
  kinds: z.array(name).check(z.minLength(1), z.maxLength(64)),
  capabilities: z._default(
    z
      .array(
        name.check(
          z.refine(
            (c) => !c.startsWith(RESERVED_CAPABILITY_PREFIX),
            'names starting with mcpp: are reserved',
          ),
        ),
      )
      .check(z.maxLength(64)),
    [],
  ),
  /** Tasks the worker accepts at once: those running plus a buffer (prefetch). */
  concurrency: count(1),
  /**
   * How many of `concurrency` are buffer beyond the compute slots. The relay fills
   * every worker's compute slots before anyone's buffer, and sizes the buffer by how
   * long the worker's tasks take (shared/task/prefetch.ts).
   */
  prefetch: z.optional(count(0)),
  userAgent: z.optional(text(512)),
  /** Admits the worker as a member where the relay asks for one (`workers.admission`). */
  joinToken: z.optional(text(256)),
})

const durationMs = z.number().check(z.nonnegative())

export const taskResult = z.union([
  z.strictObject({
    taskId: id,
    token,
    ok: z.literal(true),
    output: z.optional(z.unknown()),
    outputCid: z.optional(text(256)),
    durationMs,
  }),
  z.strictObject({
    taskId: id,
    token,
    ok: z.literal(false),
    error: taskError,
    /** False when retrying cannot help (bad input, unknown kind, cancelled). */
    retryable: z.boolean(),
    durationMs,
  }),
])

export const resultsMessage = z.strictObject({
  type: z.literal('results'),
  results: z.array(taskResult).check(z.minLength(1), z.maxLength(MAX_CONCURRENCY)),
})

export const progressMessage = z.strictObject({
  type: z.literal('progress'),
  taskId: id,
  token,
  // zod 4 numbers are finite: Infinity and NaN are refused.
  progress: z.number(),
  total: z.optional(z.number()),
  message: z.optional(text(1024)),
})

/** Tasks that left the worker's buffer and began running (their time limit starts now). */
export const startedMessage = z.strictObject({
  type: z.literal('started'),
  tasks: z.array(z.strictObject({ taskId: id, token })).check(z.minLength(1), z.maxLength(MAX_CONCURRENCY)),
})

export const heartbeatMessage = z.strictObject({
  type: z.literal('heartbeat'),
  /** Tasks the worker holds right now; the relay reconciles its leases with them. */
  inFlight: z.array(id).check(z.maxLength(MAX_CONCURRENCY)),
})

/**
 * The worker changed how much it takes (the contribute page's controls, issue 13):
 * same meaning as in hello, and `concurrency: 0` pauses it. The relay assigns nothing
 * beyond it from then on; tasks it already holds run to the end.
 */
export const capacityMessage = z.strictObject({
  type: z.literal('capacity'),
  concurrency: count(0),
  prefetch: count(0),
})

export const byeMessage = z.strictObject({ type: z.literal('bye'), reason: z.optional(text(256)) })

export const workerMessage = z.discriminatedUnion('type', [
  helloMessage,
  capacityMessage,
  resultsMessage,
  startedMessage,
  progressMessage,
  heartbeatMessage,
  byeMessage,
])

const positiveInt = z.int().check(z.positive())

export const assignedTask = z.strictObject({
  taskId: id,
  token,
  kind: name,
  input: z.optional(z.unknown()),
  inputCid: z.optional(text(256)),
  timeoutMs: positiveInt,
  /** What the task serves, for the worker to show (the contribute page): a tool, or a workflow's step. */
  origin: z.optional(
    z.strictObject({
      tool: z.optional(text(128)),
      workflowId: z.optional(text(128)),
      stepId: z.optional(text(128)),
    }),
  ),
})

export const welcomeMessage = z.strictObject({
  type: z.literal('welcome'),
  relayPeerId: z.string(),
  workerId: id,
  heartbeatMs: positiveInt,
  leaseMs: positiveInt,
  maxMessageBytes: positiveInt,
  /**
   * The other member relays' WebSocket addresses (each ending in /p2p/<PeerId>), where
   * the worker goes if this relay goes away (issue 11). Absent from older relays; a
   * list that is too long or holds anything else fails the whole welcome. When the
   * list changes, the relay sends welcome again (same workerId) after a heartbeat.
   */
  relays: z.optional(
    z
      .array(
        text(512).check(z.refine(isWorkerRelayAddress, 'not a WebSocket relay address with /p2p/<PeerId>')),
      )
      .check(z.maxLength(MAX_WORKER_RELAY_ADDRESSES)),
  ),
})

export const assignMessage = z.strictObject({
  type: z.literal('assign'),
  tasks: z.array(assignedTask).check(z.minLength(1), z.maxLength(MAX_CONCURRENCY)),
})

export const cancelMessage = z.strictObject({
  type: z.literal('cancel'),
  taskId: id,
  token,
  reason: text(256),
})

export const drainMessage = z.strictObject({
  type: z.literal('drain'),
  /** In-flight tasks not finished by then are re-queued by the relay. */
  deadlineMs: z.int().check(z.nonnegative()),
  reason: text(256),
})

export const relayErrorMessage = z.strictObject({
  type: z.literal('error'),
  code: z.string(),
  message: z.string(),
})

export const relayMessage = z.discriminatedUnion('type', [
  welcomeMessage,
  assignMessage,
  cancelMessage,
  drainMessage,
  relayErrorMessage,
])

export type HelloMessage = z.infer<typeof helloMessage>
export type TaskResultMessage = z.infer<typeof taskResult>
export type WorkerMessage = z.infer<typeof workerMessage>
/** What a worker may put on the wire: any error code, which the relay maps on arrival. */
export type WorkerFrame = z.input<typeof workerMessage>
export type AssignedTask = z.infer<typeof assignedTask>
export type RelayMessage = z.infer<typeof relayMessage>
