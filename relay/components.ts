import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { McppError } from '../shared/errors.ts'
import { exposedTools } from '../shared/manager/exposure.ts'
import { readiness } from '../shared/readiness.ts'
import { decideAccess, ruleKey } from '../shared/security/access-policy.ts'
import type { LifecyclePart } from '../shared/startable.ts'
import { ToolRegistry } from '../shared/tool/registry.ts'
import type { Tool } from '../shared/tool/types.ts'
import { registerComputeMetrics } from './compute/compute-metrics.ts'
import { Compute } from './compute/index.ts'
import type { RelayConfig } from './config/schema.ts'
import { DataDirLock } from './data-dir-lock.ts'
import { Datasets } from './datasets/datasets.ts'
import { DuckEngine } from './datasets/duck-engine.ts'
import { ForwardingService } from './forwarding/index.ts'
import { createHttpApp } from './http/app.ts'
import { HttpServer } from './http/http-server.ts'
import { Lifecycle } from './lifecycle.ts'
import { createLogger, type Logger } from './log.ts'
import { InFlightCalls } from './mcp/in-flight-calls.ts'
import { McpSessions } from './mcp/sessions.ts'
import { DEFAULT_MEDIA_BINARIES, type MediaBinaries } from './media/binaries.ts'
import { createMetrics, type RelayMetrics } from './metrics.ts'
import { ContentStore } from './p2p/content-store.ts'
import { P2pHolder } from './p2p/p2p-holder.ts'
import { p2pPart } from './p2p/start-p2p.ts'
import { findWebRoot, readVersion } from './package-root.ts'
import { PeerBook, requireLibp2p } from './peers/index.ts'
import { createRelayQuotas, type RelayQuotas } from './quotas/index.ts'
import type { RelayComponents } from './relay-components.ts'
import { BlockCollector, createRetentionMetrics, RetentionSweeper } from './retention/index.ts'
import { RouterExecutor } from './router/executor.ts'
import { relayBackends } from './runtimes/relay-backends.ts'
import { Authenticator } from './security/authenticator.ts'
import { createJwtVerifier } from './security/jwt-verifier.ts'
import { kindGuard } from './security/kind-guard.ts'
import { type LoadedPolicy, loadAccessPolicy } from './security/load-policy.ts'
import { type Stoppable, stopAfterFailure } from './stop-after-failure.ts'
import { buildStorage } from './storage/index.ts'
import { CacheStore } from './store/cache-store.ts'
import { createCheckpointer } from './store/wal-checkpoints.ts'
import { createTaskService, taskStorePart } from './task-queue/index.ts'
import { buildCatalog } from './tools/catalog.ts'
import { GraphStore } from './tools/graph/graph-store.ts'
import { SearchThread } from './tools/search/search-thread.ts'
import { VectorThread } from './vectors/vector-thread.ts'
import { WorkflowEngine } from './workflows/workflow-engine.ts'

/** How often forwarded leases are renewed and undelivered results retried. */
const FORWARD_TICK_MS = 250

export type { RelayComponents }

export interface ComponentOptions {
  now?: () => number
  log?: Logger
  /** Where the built pages are; found next to the package by default. */
  webRoot?: string | undefined
  /** System programs the media tools run (found on PATH by default). */
  media?: Partial<MediaBinaries>
}

export function createComponents(config: RelayConfig, options: ComponentOptions = {}): RelayComponents {
  const now = options.now ?? Date.now
  const log = options.log ?? createLogger(config.logLevel)
  const version = readVersion()
  const metrics = createMetrics()
  // Read before anything is opened: a bad policy file stops start-up and holds nothing.
  const access = loadAccessPolicy(config.accessPolicy)
  const authn = new Authenticator(config.token, access, createJwtVerifier(config.auth.oauth))
  const quotas = createRelayQuotas(config.limits, metrics.registry)
  const canCall = (tool: Tool, identity: string | undefined) =>
    decideAccess(access.policy, identity, tool).allowed
  mkdirSync(config.dataDir, { recursive: true })
  // Before anything below touches the data directory (the task store opens and recovers
  // the queue as it is built); released by the lock's part, which stops last.
  const lock = new DataDirLock(config.dataDir)
  const opened: Stoppable[] = []
  try {
    return build(config, options, {
      now,
      log,
      version,
      metrics,
      access,
      authn,
      quotas,
      canCall,
      lock,
      opened,
    })
  } catch (err) {
    // Whatever was opened before the failure is closed, newest first, then the lock released.
    for (const part of opened.reverse()) stopAfterFailure(part, log)
    lock.stop()
    throw err
  }
}

/**
 * What `build` gets from `createComponents`, which holds the lock and, if building
 * fails, stops what `build` listed in `opened` and releases the lock.
 */
interface Basics {
  now: () => number
  log: Logger
  version: string
  metrics: RelayMetrics
  access: LoadedPolicy
  authn: Authenticator
  quotas: RelayQuotas
  canCall: (tool: Tool, identity: string | undefined) => boolean
  lock: DataDirLock
  /** Each part that holds files or threads once built is added here as it is built. */
  opened: Stoppable[]
}

function build(config: RelayConfig, options: ComponentOptions, basics: Basics): RelayComponents {
  const { now, log, version, metrics, access, authn, quotas, canCall, lock, opened } = basics
  const cache = new CacheStore(join(config.dataDir, 'cache.db'), now)
  opened.push(cache)
  const peerBook = new PeerBook(join(config.dataDir, 'peerbook.db'), now)
  opened.push(peerBook)
  const p2p = new P2pHolder()
  const fileRoot = join(config.dataDir, 'files')
  mkdirSync(fileRoot, { recursive: true })
  const content = new ContentStore(() => p2p.helia())
  const tasks = createTaskService({
    dataDir: config.dataDir,
    content,
    now,
    log,
    registry: metrics.registry,
    policy: {
      trustDefault: config.trust.default,
      trustRules: config.trust.rules,
      volunteerTools: config.workers.volunteerTools,
      maxActivePerIdentity: config.tasks.maxActivePerIdentity,
      maxActive: config.tasks.maxActive,
      unknownKinds: config.tasks.unknownKinds,
    },
    // A kind only a member relay's workers run is accepted here and forwarded there.
    membersRun: (kind) => p2p.directory?.relays().some((r) => r.capacity.kinds.includes(kind)) ?? false,
  })
  opened.push(tasks)
  const forwarding = new ForwardingService({
    tasks,
    content,
    log,
    now,
    registry: metrics.registry,
    leaseMs: config.forwarding.leaseSeconds * 1000,
    tickMs: FORWARD_TICK_MS,
    relays: () => p2p.directory?.relays(),
  })
  const { audit, disk, admit, recordCall } = buildStorage({
    config,
    now,
    log,
    walCheckpoint: (path) => checkpointer.running(path),
    sealStep: (step, path) => compute.pool.run<number>('auditSealStep', { step, path }),
    registry: metrics.registry,
    quotas: quotas.quotas,
    tasks,
    cache,
    opened,
  })
  const executor = new RouterExecutor({
    admit,
    policy: config.router,
    metrics,
    authorize: (tool, ctx) => {
      const decision = decideAccess(access.policy, ctx.caller.identity, tool)
      if (!decision.allowed) throw new McppError('FORBIDDEN', decision.reason, { tool: tool.name })
    },
    onCall: recordCall,
    backends: relayBackends({ config, tasks, forwarding, p2p }),
  })
  const ipfs = { helia: () => p2p.helia(), roots: [fileRoot] }
  const scratch = join(config.dataDir, 'tmp')
  const datasets = new Datasets(
    new DuckEngine({
      file: join(config.dataDir, 'datasets.duckdb'),
      allowedDirs: [fileRoot, scratch],
      tmpDir: scratch,
      limits: config.sql,
      registry: metrics.registry,
    }),
    [fileRoot],
    ipfs,
  )
  opened.push(datasets)
  const compute = new Compute(config.compute)
  opened.push(compute)
  registerComputeMetrics(metrics.registry, compute)
  const checkpointer = createCheckpointer(compute, log, metrics.registry)
  for (const [store, file] of tasks.walFiles()) checkpointer.register(store, file)
  checkpointer.register('cache', () => cache.walFile())
  checkpointer.register('peerbook', () => peerBook.walFile())
  checkpointer.register('audit', () => audit.walFile())
  const registry = new ToolRegistry()
  // Reads the registry only when a workflow is submitted, after the catalog filled it.
  const workflows = new WorkflowEngine({
    tasks,
    registry,
    executor,
    content,
    forwarding,
    relays: () => p2p.directory?.relays(),
    limits: config.workflows,
    log,
    now,
  })
  let sessions: McpSessions | undefined
  const categories = buildCatalog({
    registry,
    executor,
    canCall: (tool, ctx) => canCall(tool, ctx.caller.identity),
    policy: access.policy,
    version,
    startedAt: now(),
    now,
    activeSessions: () => sessions?.size ?? 0,
    metrics,
    cache,
    tasks,
    workflows,
    directory: p2p.lazyDirectory,
    peerBook,
    libp2p: requireLibp2p(p2p, config.disableP2p),
    // The peers file joins here once `--peers-file` is a config setting (discovery slice).
    bootstrap: { peers: config.bootstrapPeers, peersFile: config.relays.peersFile },
    guardKind: kindGuard(access.policy, () => registry.all()),
    fileRoots: [fileRoot],
    ipfs,
    audit,
    compute,
    datasets,
    graphs: new GraphStore(join(config.dataDir, 'graphs'), compute),
    searches: new SearchThread(join(config.dataDir, 'search'), compute),
    vectors: new VectorThread(join(config.dataDir, 'vectors'), compute),
    media: { ...DEFAULT_MEDIA_BINARIES, ...options.media },
  })
  for (const { info, tools } of categories) {
    registry.addCategory(info)
    registry.register(...tools)
  }
  // Issue 16: finished tasks, their blocks and expired cache entries, on a timer.
  const retention = new RetentionSweeper({
    retention: tasks.retention,
    cache,
    blocks: new BlockCollector({ retention: tasks.retention, helia: () => p2p.helia(), log }),
    limits: config.retention,
    metrics: createRetentionMetrics(metrics.registry),
    log,
    now,
    checkpoint: () => checkpointer.checkpointNow('tasks'),
  })
  const exposed = new Map(exposedTools(registry, config.expose, config.exposeTools).map((t) => [t.name, t]))
  const calls = new InFlightCalls()
  sessions = new McpSessions({
    surface: {
      version,
      exposed,
      executor,
      canCall,
      viewKey: (identity) => ruleKey(access.policy, identity),
      callQuotas: quotas,
      calls,
      registry,
      tasks,
      workflows,
    },
    quotas,
    stateless: config.stateless,
    idleMs: config.sessionIdleSeconds * 1000,
    keepAliveMs: config.keepAliveSeconds * 1000,
    maxBodyBytes: config.maxBodyBytes,
    graceMs: config.shutdown.graceSeconds * 1000,
    now,
    metrics,
    log,
  })
  const mcp = sessions
  const http = new HttpServer({
    host: config.host,
    port: config.port,
    fetch: () => createHttpApp(components).fetch,
  })
  // Start order; stop is the reverse. The lock and the task store hold their files from
  // construction and start without fail, so they come first: a later part that fails
  // to start stops them with the rest. MCP sessions start after the HTTP server so that
  // they stop before it: their stop drains the calls in flight while the server still
  // answers (new requests get 503), and then the server closes.
  const parts: LifecyclePart[] = [
    lock,
    disk,
    taskStorePart(tasks),
    cache,
    peerBook,
    audit,
    datasets,
    compute,
    checkpointer,
    ...(config.disableP2p ? [] : [p2pPart({ config, log, tasks, content, now, metrics, forwarding }, p2p)]),
    // After the queue and libp2p (its workers, the blockstore step outputs may live in):
    // it resumes the workflows that were running.
    workflows,
    // After the stores and the blockstore it removes from; stops before them.
    retention,
    http,
    mcp,
  ]
  const lifecycle = new Lifecycle(parts, log)
  const components: RelayComponents = {
    config,
    version,
    now,
    startedAt: now(),
    log,
    metrics,
    registry,
    executor,
    exposed,
    cache,
    audit,
    access,
    authn,
    quotas,
    datasets,
    sessions,
    calls,
    tasks,
    workflows,
    retention,
    forwarding,
    content,
    p2p,
    webRoot: 'webRoot' in options ? options.webRoot : findWebRoot(),
    compute,
    http,
    parts,
    start: () => lifecycle.start(),
    stop: () => lifecycle.stop(),
    readiness: () =>
      readiness({
        phase: lifecycle.phase,
        parts: lifecycle.partStates(),
        p2p: config.disableP2p ? 'disabled' : { listening: p2p.node?.multiaddrs().length ?? 0 },
        disk: disk.space(config.storage.minFreeBytes),
      }),
    hurry: () => {
      mcp.hurry()
      http.hurry()
    },
  }
  return components
}
