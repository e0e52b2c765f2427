/**
 * Task hand-off between member relays (issue 11, items 2–4): relay B, where a client
 * submitted a task, hands it to member relay A, whose workers run it.
 *
 * Protocol `/mcpp/forward/2.0.0` (shared/wire/forward-messages.ts), member relays
 * only: anyone else is refused before their frame is read, counted in
 * `mcpp_forward_refused_total{reason}` and logged. One long-lived stream per member and
 * direction (forward-sessions.ts); each request is answered once, under its id.
 *
 *   B → A  offer {taskId, fence, leaseMs, task (kind, input | inputCid, …)}  → accepted | refused
 *   A → B  renew {tasks: [{taskId, fence}]}                               → renewed {stale}
 *   A → B  progress / result {taskId, fence, …}                           → accepted | refused stale
 *   B → A  cancel {taskId, fence}                                         → accepted | refused
 *
 * Exactly one owner: B. The task stays in B's queue, leased to the pseudo-worker
 * `relay:<A>` under a fencing token from B's counter (task-queue/store/hand-offs.ts),
 * so a hand-off is a worker lease: A renews it every leaseMs/3; if A goes silent, B's
 * tick expires the lease (LEASE_EXPIRED) and re-queues the task, and a late result
 * under the old fence is refused as stale, the path of a stale worker. Leases held by
 * relays survive B's restart (they are not released at start-up), so a restarted B
 * collects the results A keeps sending.
 *
 * A's durable record: the task is queued in A's store with its origin (B, B's id,
 * fence, lease) in `forwarded_in`, in one transaction; it runs on A's workers under
 * its trust requirement, and the result (with its verification) is sent to B until B
 * answers, across A's restarts (the durable outbox), then the row is closed. If B
 * stops confirming the lease for longer than the lease, A gives the task up (cancels
 * it locally, sends nothing): B has taken it back. Progress of A's workers goes to B
 * under the fence, coalesced (progress-forwarder.ts).
 *
 * Payloads above the inline limit move over `/mcpp/block/1.0.0` with a worker's rights
 * (hand-off-blocks.ts, block-transfer.ts): A fetches the input block from B while the
 * offer is open and checks its CID before accepting; A stores a large output on B under
 * B's task id and fence, and the result names the CID B computed.
 *
 *   forwarding-service.ts  the owner's side and the protocol; runner-side.ts A's side
 *   forwarding-pump.ts     offers queued tasks no local worker can run
 *
 * Who forwards: the `relay` runtime (relay/runtimes/relay-runtime.ts) for tool calls
 * the router sends to a member, and the pump for queued tasks. Both send a task that
 * requires capabilities only to a member that announced a group of workers with all of
 * them (shared/network/member-capacity.ts).
 */
export { type ForwardingInit, ForwardingService, type OfferOutcome } from './forwarding-service.ts'
