import { z } from 'zod'
import { isWorkerRelayAddress, MAX_WORKER_RELAY_ADDRESSES } from '../network/worker-relays.ts'
import { declaredTaskError, MAX_TASK_ERROR_MESSAGE } from '../task/error-codes.ts'
import { RESERVED_CAPABILITY_PREFIX } from '../trust/admission.ts'

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

const id = z.string().min(1).max(128)
const token = z.number().int().nonnegative()
const name = z.string().min(1).max(64)
/**
 * A worker's error, mapped into the declared vocabulary on arrival: an undeclared code
 * becomes WORKER_ERROR (the original stays in the message), never trusted verbatim.
 */
const taskError = z
  .strictObject({ code: z.string().min(1).max(64), message: z.string().max(MAX_TASK_ERROR_MESSAGE) })
  .transform(declaredTaskError)

export const helloMessage = z.strictObject({
  type: z.literal('hello'),
  version: z.literal(TASK_PROTOCOL_VERSION),
  /** Human-readable label shown in stats, e.g. "chromium tab" or a host name. */
  name: z.string().max(128),
  kinds: z.array(name).min(1).max(64),
  capabilities: z
    .array(
      name.refine((c) => !c.startsWith(RESERVED_CAPABILITY_PREFIX), 'names starting with mcpp: are reserved'),
    )
    .max(64)
    .default([]),
  /** Tasks the worker accepts at once: those running plus a buffer (prefetch). */
  concurrency: z.number().int().min(1).max(MAX_CONCURRENCY),
  /**
   * How many of `concurrency` are buffer beyond the compute slots. The relay fills
   * every worker's compute slots before anyone's buffer, and sizes the buffer by how
   * long the worker's tasks take (shared/task/prefetch.ts).
   */
  prefetch: z.number().int().min(0).max(MAX_CONCURRENCY).optional(),
  userAgent: z.string().max(512).optional(),
  /** Admits the worker as a member where the relay asks for one (`workers.admission`). */
  joinToken: z.string().max(256).optional(),
})

export const taskResult = z.union([
  z.strictObject({
    taskId: id,
    token,
    ok: z.literal(true),
    output: z.unknown().optional(),
    outputCid: z.string().max(256).optional(),
    durationMs: z.number().nonnegative(),
  }),
  z.strictObject({
    taskId: id,
    token,
    ok: z.literal(false),
    error: taskError,
    /** False when retrying cannot help (bad input, unknown kind, cancelled). */
    retryable: z.boolean(),
    durationMs: z.number().nonnegative(),
  }),
])

export const resultsMessage = z.strictObject({
  type: z.literal('results'),
  results: z.array(taskResult).min(1).max(MAX_CONCURRENCY),
})

export const progressMessage = z.strictObject({
  type: z.literal('progress'),
  taskId: id,
  token,
  progress: z.number().finite(),
  total: z.number().finite().optional(),
  message: z.string().max(1024).optional(),
})

/** Tasks that left the worker's buffer and began running (their time limit starts now). */
export const startedMessage = z.strictObject({
  type: z.literal('started'),
  tasks: z
    .array(z.strictObject({ taskId: id, token }))
    .min(1)
    .max(MAX_CONCURRENCY),
})

export const heartbeatMessage = z.strictObject({
  type: z.literal('heartbeat'),
  /** Tasks the worker holds right now; the relay reconciles its leases with them. */
  inFlight: z.array(id).max(MAX_CONCURRENCY),
})

/**
 * The worker changed how much it takes (the contribute page's controls, issue 13):
 * same meaning as in hello, and `concurrency: 0` pauses it. The relay assigns nothing
 * beyond it from then on; tasks it already holds run to the end.
 */
export const capacityMessage = z.strictObject({
  type: z.literal('capacity'),
  concurrency: z.number().int().min(0).max(MAX_CONCURRENCY),
  prefetch: z.number().int().min(0).max(MAX_CONCURRENCY),
})

export const byeMessage = z.strictObject({ type: z.literal('bye'), reason: z.string().max(256).optional() })

export const workerMessage = z.discriminatedUnion('type', [
  helloMessage,
  capacityMessage,
  resultsMessage,
  startedMessage,
  progressMessage,
  heartbeatMessage,
  byeMessage,
])

export const assignedTask = z.strictObject({
  taskId: id,
  token,
  kind: name,
  input: z.unknown().optional(),
  inputCid: z.string().max(256).optional(),
  timeoutMs: z.number().int().positive(),
  /** What the task serves, for the worker to show (the contribute page): a tool, or a workflow's step. */
  origin: z
    .strictObject({
      tool: z.string().max(128).optional(),
      workflowId: z.string().max(128).optional(),
      stepId: z.string().max(128).optional(),
    })
    .optional(),
})

export const welcomeMessage = z.strictObject({
  type: z.literal('welcome'),
  relayPeerId: z.string(),
  workerId: id,
  heartbeatMs: z.number().int().positive(),
  leaseMs: z.number().int().positive(),
  maxMessageBytes: z.number().int().positive(),
  /**
   * The other member relays' WebSocket addresses (each ending in /p2p/<PeerId>), where
   * the worker goes if this relay goes away (issue 11). Absent from older relays; a
   * list that is too long or holds anything else fails the whole welcome. When the
   * list changes, the relay sends welcome again (same workerId) after a heartbeat.
   */
  relays: z
    .array(
      z.string().max(512).refine(isWorkerRelayAddress, 'not a WebSocket relay address with /p2p/<PeerId>'),
    )
    .max(MAX_WORKER_RELAY_ADDRESSES)
    .optional(),
})

export const assignMessage = z.strictObject({
  type: z.literal('assign'),
  tasks: z.array(assignedTask).min(1).max(MAX_CONCURRENCY),
})

export const cancelMessage = z.strictObject({
  type: z.literal('cancel'),
  taskId: id,
  token,
  reason: z.string().max(256),
})

export const drainMessage = z.strictObject({
  type: z.literal('drain'),
  /** In-flight tasks not finished by then are re-queued by the relay. */
  deadlineMs: z.number().int().nonnegative(),
  reason: z.string().max(256),
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
