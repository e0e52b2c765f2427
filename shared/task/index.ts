/**
 * Tasks: the model of one unit of P2P work, shared by the relay's durable queue, the
 * `/mcpp/task/1.0.0` wire protocol and the workers that execute tasks; the kinds
 * (`kinds/`); and the queue's pure decisions (defaults, backoff, eligibility,
 * prefetch, start notices). The relay's queue itself lives in `relay/task-queue/`.
 */
