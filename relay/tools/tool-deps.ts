import type { Libp2p } from '@libp2p/interface'
import type { AccessPolicy } from '../../shared/security/access-policy.ts'
import type { ToolRegistry } from '../../shared/tool/registry.ts'
import type { Tool, ToolContext } from '../../shared/tool/types.ts'
import type { AuditLog } from '../audit/audit-log.ts'
import type { Compute } from '../compute/index.ts'
import type { Datasets } from '../datasets/datasets.ts'
import type { MediaBinaries } from '../media/binaries.ts'
import type { RelayMetrics } from '../metrics.ts'
import type { RelayDirectory } from '../p2p/relay-directory.ts'
import type { PeerBook } from '../peers/peer-book.ts'
import type { RouterExecutor } from '../router/executor.ts'
import type { KindGuard } from '../security/kind-guard.ts'
import type { CacheStore } from '../store/cache-store.ts'
import type { TaskService } from '../task-queue/index.ts'
import type { VectorThread } from '../vectors/vector-thread.ts'
import type { Workflows } from '../workflows/workflows.ts'
import type { GraphStore } from './graph/graph-store.ts'
import type { IpfsDeps } from './ipfs/ipfs-deps.ts'
import type { BootstrapSources } from './peers/bootstrap-tools.ts'
import type { SearchThread } from './search/search-thread.ts'

/**
 * Everything the relay's tool categories are built from, under one name each. A
 * category factory takes the part it needs (`Pick<ToolDeps, …>`, named `XToolDeps`)
 * and returns a `ToolCategory`; `buildCatalog` (catalog.ts) gives each its part.
 * Building a category only declares tools: handlers use these when called.
 */
export interface ToolDeps {
  /** Every registered tool: the meta-tools list and search it, security looks tools up. */
  registry: ToolRegistry
  /** The runtime router: runs a dispatched call (validation, access, audit included). */
  executor: RouterExecutor
  /** Whether the caller may call `tool` under the access policy. */
  canCall: (tool: Tool, ctx: ToolContext) => boolean
  /** The access policy (security_check_access). */
  policy: AccessPolicy
  version: string
  /** When the relay started, Unix ms. */
  startedAt: number
  now: () => number
  /** Open MCP sessions (read when system_health is called). */
  activeSessions: () => number
  metrics: RelayMetrics
  cache: CacheStore
  tasks: TaskService
  /** The workflow engine (issue 12): the p2p_workflow_* tools call it. */
  workflows: Workflows
  /** The relays this relay knows (resolved when a tool is called, once libp2p runs). */
  directory: RelayDirectory
  /** Registered peers (`<data-dir>/peerbook.db`). */
  peerBook: PeerBook
  /** The running libp2p node; throws UNAVAILABLE when P2P is disabled or not running. */
  libp2p: () => Libp2p
  /** The bootstrap peers and peers file the relay was started with. */
  bootstrap: BootstrapSources
  /** The access policy on task kinds, checked on submit, resubmit and update. */
  guardKind: KindGuard
  /** Folders tool paths may use; the first (`<data-dir>/files`) resolves relative paths. */
  fileRoots: readonly string[]
  /** Helia and the file roots, for tools that move files through IPFS. */
  ipfs: IpfsDeps
  audit: AuditLog
  /** Worker threads for CPU-heavy tool work. */
  compute: Compute
  datasets: Datasets
  graphs: GraphStore
  searches: SearchThread
  vectors: VectorThread
  /** The programs the media tools run. */
  media: MediaBinaries
}
