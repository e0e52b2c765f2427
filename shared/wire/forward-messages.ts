import { CID } from 'multiformats/cid'
import { sha256 } from 'multiformats/hashes/sha2'
import { z } from 'zod'
import { declaredTaskError, MAX_TASK_ERROR_MESSAGE } from '../task/error-codes.ts'
import { MAX_QUORUM } from '../trust/trust-policy.ts'
import { MAX_TASK_MESSAGE_BYTES } from './task-messages.ts'

/**
 * `/mcpp/forward/2.0.0`: the hand-off of a task between member relays (issue 11).
 * Each relay keeps one long-lived stream to each member it has something to say to
 * (relay/forwarding/forward-sessions.ts) and sends its requests on it, each under a
 * request id (`rid`); the other side answers every request once, under the same id, in
 * any order. At most MAX_OPEN_FORWARD_REQUESTS wait for their answer on one stream. A
 * reply under `rid` 0 answers the whole stream (a refused non-member) and ends it.
 * (1.0.0 opened one stream per request: its stream set-up, a multistream negotiation
 * and a peer-store update per request, cost more CPU than the hand-off itself.)
 *
 *   owner (B) → runner (A): offer, cancel
 *   runner (A) → owner (B): renew, progress, result
 *   every request is answered: accepted | refused (renew: renewed)
 *
 * Payloads above INLINE_PAYLOAD_LIMIT travel as blocks over `/mcpp/block/1.0.0`
 * (block-protocol.ts), the way a worker moves them: an offer names its input by CID
 * and the runner fetches it from the owner (and checks it against the CID) before it
 * accepts; a runner stores a large output on the owner under the task's id and fence
 * (the owner computes its CID) before it sends a result naming that CID.
 *
 * B owns the task and keeps it leased to the pseudo-worker `relay:<A>` under a fencing
 * token (`fence`); every message about the task names that token, and B refuses any
 * that no longer holds the lease (`stale`). Only configured member relays may speak
 * this protocol; a receiver refuses anyone else before reading their frame. Every
 * field is bounded, and the whole frame by MAX_FORWARD_MESSAGE_BYTES.
 */
export const FORWARD_PROTOCOL = '/mcpp/forward/2.0.0'
/** An inline input or output (256 KiB, INLINE_PAYLOAD_LIMIT) with the rest of the frame. */
export const MAX_FORWARD_MESSAGE_BYTES = MAX_TASK_MESSAGE_BYTES
/** Tasks named in one renew. */
export const MAX_RENEWED_TASKS = 1024
/** The longest lease an owner may grant (1 hour) and the shortest (1 second). */
export const MAX_FORWARD_LEASE_MS = 3_600_000
export const MIN_FORWARD_LEASE_MS = 1_000
/** The longest time limit a forwarded task may carry (one day). */
export const MAX_FORWARD_TIMEOUT_MS = 86_400_000

const id = z.string().min(1).max(128)
const fence = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER)
const name = z.string().min(1).max(64)
const peerId = z.string().min(1).max(128)
/** A block's address: a CIDv1 over sha2-256, the only kind a receiver can verify (verifyBlock). */
const cid = z
  .string()
  .min(1)
  .max(256)
  .refine((value) => {
    try {
      return CID.parse(value).multihash.code === sha256.code
    } catch {
      return false
    }
  }, 'not a sha2-256 CID')
const taskError = z
  .strictObject({ code: z.string().min(1).max(64), message: z.string().max(MAX_TASK_ERROR_MESSAGE) })
  .transform(declaredTaskError)

/** Described, because workflow specs take it as a tool parameter too (shared/workflow/spec-schema.ts). */
export const trustRequirement = z.discriminatedUnion('level', [
  z.strictObject({ level: z.literal('any').describe('Any one worker’s answer counts') }),
  z.strictObject({
    level: z.literal('quorum').describe('Distinct workers must agree'),
    k: z.number().int().min(2).max(MAX_QUORUM).describe('How many'),
  }),
  z.strictObject({
    level: z.literal('spot-check').describe('The relay recomputes a sample of answers'),
    rate: z.number().gt(0).max(1).describe('The share recomputed'),
  }),
])

export const verification = z.strictObject({
  trust: z.enum(['any', 'quorum', 'spot-check', 'relay']),
  verified: z.boolean(),
  workers: z.array(peerId).max(2 * MAX_QUORUM + 1),
  dissent: z
    .array(peerId)
    .max(2 * MAX_QUORUM + 1)
    .optional(),
  recomputedBy: z.literal('relay').optional(),
})

/** What the runner needs to run the task: never the owner's bookkeeping (tags, submitter). */
export const forwardedTask = z.strictObject({
  kind: name,
  /** The input inline, or absent when it is a block (`inputCid`). */
  input: z.unknown().optional(),
  /** A large input: the runner fetches this block from the owner before it accepts. */
  inputCid: cid.optional(),
  priority: z.number().int().min(-1_000_000).max(1_000_000),
  timeoutMs: z.number().int().positive().max(MAX_FORWARD_TIMEOUT_MS),
  /** Capabilities a worker must have; `mcpp:member` keeps a members-only task off volunteers on A too. */
  requires: z.array(name).max(64),
  /** The owner's trust requirement; the runner checks its workers' answers by it. */
  trust: trustRequirement,
})

export const offerMessage = z.strictObject({
  type: z.literal('offer'),
  /** The task's id in the owner's queue. */
  taskId: id,
  fence,
  /** How long the lease lasts without a renew; the runner renews well before. */
  leaseMs: z.number().int().min(MIN_FORWARD_LEASE_MS).max(MAX_FORWARD_LEASE_MS),
  task: forwardedTask.refine(
    (task) => task.inputCid === undefined || task.input === undefined,
    'an input is inline or a block, not both',
  ),
})

export const cancelMessage = z.strictObject({
  type: z.literal('cancel'),
  taskId: id,
  fence,
  reason: z.string().max(256),
})

export const renewMessage = z.strictObject({
  type: z.literal('renew'),
  tasks: z
    .array(z.strictObject({ taskId: id, fence }))
    .min(1)
    .max(MAX_RENEWED_TASKS),
})

export const progressMessage = z.strictObject({
  type: z.literal('progress'),
  taskId: id,
  fence,
  progress: z.number().finite(),
  total: z.number().finite().optional(),
  message: z.string().max(1024).optional(),
})

const result = z.union([
  z.strictObject({
    type: z.literal('result'),
    taskId: id,
    fence,
    ok: z.literal(true),
    /** The output inline, or absent when it is a block (`outputCid`). */
    output: z.unknown().optional(),
    /** A large output, stored on the owner under this task and fence beforehand. */
    outputCid: cid.optional(),
    verification: verification.nullable(),
  }),
  z.strictObject({
    type: z.literal('result'),
    taskId: id,
    fence,
    ok: z.literal(false),
    error: taskError,
    /** False when running it again cannot help (bad input, cancelled, no quorum). */
    retryable: z.boolean(),
    verification: verification.nullable(),
  }),
])

export const resultMessage = result.refine(
  (r) => !r.ok || r.outputCid === undefined || r.output === undefined,
  'an output is inline or a block, not both',
)

/** Everything a relay may receive as the first (and only) frame of a forward stream. */
export const forwardRequest = z.union([
  offerMessage,
  cancelMessage,
  renewMessage,
  progressMessage,
  resultMessage,
])

/** Why a request was refused; also the `reason` label of `mcpp_forward_refused_total`. */
export const FORWARD_REFUSALS = [
  'not_member',
  /** The fence no longer holds the task's lease (it was taken back, or re-leased). */
  'stale',
  'not_found',
  /** The runner has no dependable worker for the kind, or its queue is full. */
  'no_capacity',
  'unsupported',
  /** The runner could not fetch the offered input block from the owner, or it did not match its CID. */
  'input_unavailable',
  /** A result names an output block the runner did not store on the owner under that fence. */
  'output_unavailable',
] as const
export type ForwardRefusal = (typeof FORWARD_REFUSALS)[number]

export const forwardReply = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('accepted') }),
  z.strictObject({
    type: z.literal('renewed'),
    /** Tasks the owner no longer leases to this runner: it stops them. */
    stale: z.array(id).max(MAX_RENEWED_TASKS),
  }),
  z.strictObject({
    type: z.literal('refused'),
    reason: z.enum(FORWARD_REFUSALS),
    detail: z.string().max(512).optional(),
  }),
])

export type ForwardedTask = z.infer<typeof forwardedTask>
export type OfferMessage = z.infer<typeof offerMessage>
export type ForwardCancel = z.infer<typeof cancelMessage>
export type RenewMessage = z.infer<typeof renewMessage>
export type ForwardProgress = z.infer<typeof progressMessage>
export type ForwardResult = z.infer<typeof resultMessage>
export type ForwardRequest = z.infer<typeof forwardRequest>
/** What a relay may put on the wire (any error code, which the receiver maps on arrival). */
export type ForwardFrame = z.input<typeof forwardRequest>
export type ForwardReply = z.infer<typeof forwardReply>

/** Requests one stream may have waiting for their answers; a peer that sends more is cut off. */
export const MAX_OPEN_FORWARD_REQUESTS = 256
const rid = z
  .number()
  .int()
  .min(1)
  .max(2 ** 31)

/** One request on a forward stream. */
export const forwardEnvelope = z.strictObject({ rid, request: forwardRequest })
/** The answer to request `rid`, or (rid 0) to the whole stream. */
export const forwardReplyEnvelope = z.strictObject({ rid: z.union([z.literal(0), rid]), reply: forwardReply })

export type ForwardEnvelope = z.infer<typeof forwardEnvelope>
export type ForwardReplyEnvelope = z.infer<typeof forwardReplyEnvelope>
