import type { Readiness } from '../shared/readiness.ts'
import type { LifecyclePart, Startable } from '../shared/startable.ts'
import type { ToolRegistry } from '../shared/tool/registry.ts'
import type { Tool } from '../shared/tool/types.ts'
import type { AuditLog } from './audit/audit-log.ts'
import type { Compute } from './compute/index.ts'
import type { RelayConfig } from './config/schema.ts'
import type { Datasets } from './datasets/datasets.ts'
import type { ForwardingService } from './forwarding/index.ts'
import type { HttpServer } from './http/http-server.ts'
import type { Logger } from './log.ts'
import type { InFlightCalls } from './mcp/in-flight-calls.ts'
import type { McpSessions } from './mcp/sessions.ts'
import type { RelayMetrics } from './metrics.ts'
import type { ContentStore } from './p2p/content-store.ts'
import type { P2pHolder } from './p2p/p2p-holder.ts'
import type { RelayQuotas } from './quotas/index.ts'
import type { RetentionSweeper } from './retention/index.ts'
import type { RouterExecutor } from './router/executor.ts'
import type { Authenticator } from './security/authenticator.ts'
import type { LoadedPolicy } from './security/load-policy.ts'
import type { CacheStore } from './store/cache-store.ts'
import type { TaskService } from './task-queue/index.ts'
import type { Workflows } from './workflows/workflows.ts'

/**
 * Everything a relay is made of, built once at the entry point and passed down.
 * `start()` starts its parts in order and `stop()` stops them in reverse (the `parts`
 * list in `build` below, and lifecycle.ts); nothing else opens or closes them.
 */
export interface RelayComponents extends Startable {
  config: RelayConfig
  version: string
  now: () => number
  startedAt: number
  log: Logger
  metrics: RelayMetrics
  registry: ToolRegistry
  executor: RouterExecutor
  /** The tools MCP `tools/list` shows, by name. */
  exposed: ReadonlyMap<string, Tool>
  cache: CacheStore
  audit: AuditLog
  /** The access policy and the token digests it authenticates. */
  access: LoadedPolicy
  /** Who a bearer token is: policy tokens, the operator token, JWTs from the issuer. */
  authn: Authenticator
  /** Quotas per identity and global (sessions, streams, calls); more can be made from it. */
  quotas: RelayQuotas
  /** Tabular datasets in the relay's DuckDB file (opened on first use). */
  datasets: Datasets
  sessions: McpSessions
  /** Tool calls in flight, MCP's and the dashboard's: a graceful stop drains them (issue 10). */
  calls: InFlightCalls
  tasks: TaskService
  /** Durable workflows of tasks and tool calls (issue 12); resumed when the relay starts. */
  workflows: Workflows
  /** Removes finished tasks, their blocks and expired cache entries (issue 16); `sweepNow()` runs one sweep. */
  retention: RetentionSweeper
  /** Hands tasks to member relays and runs theirs (issue 11); serves while libp2p runs. */
  forwarding: ForwardingService
  /** The relay's blockstore (Helia): task payloads above the inline limit, served over /mcpp/block. */
  content: ContentStore
  /** The libp2p node, while the `libp2p` part runs. */
  p2p: P2pHolder
  /** The built web pages (dist/web), if any. */
  webRoot: string | undefined
  /** Worker threads for CPU-heavy tool work (issue 9); stopped with the relay. */
  compute: Compute
  /** The HTTP listener; its port and URL are known once it has started. */
  http: HttpServer
  /** The parts, in start order. */
  parts: readonly LifecyclePart[]
  /** Starts the parts in order; if one fails, the ones before it are stopped and the error is thrown. */
  start(): Promise<void>
  /** Stops every part in reverse order (also after a failed start, or with no start at all); idempotent. */
  stop(): Promise<void>
  /** Whether to send it traffic (/readyz): started, not stopping, its stores open, libp2p listening. Cheap. */
  readiness(): Readiness
  /** Ends the grace period of a stop that has begun (a second SIGTERM or SIGINT). */
  hurry(): void
}
