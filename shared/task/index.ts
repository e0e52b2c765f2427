/**
 * Tasks: the model of one unit of P2P work (types.ts), shared by the relay's durable
 * queue, the `/mcpp/task/1.0.0` wire protocol and the workers that execute tasks; the
 * built-in kinds every worker runs are in kinds/.
 */
