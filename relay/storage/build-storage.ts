import { join } from 'node:path'
import type { Registry } from 'prom-client'
import { AuditLog, type AuditLogOptions } from '../audit/audit-log.ts'
import { registerAuditMetrics } from '../audit/audit-metrics.ts'
import { paramsDigestInTurns } from '../audit/params-digest.ts'
import type { RelayConfig } from '../config/schema.ts'
import type { Logger } from '../log.ts'
import type { Quotas } from '../quotas/quotas.ts'
import { StoredBytesGuard } from '../quotas/stored-bytes.ts'
import type { CallRecord, ExecutorInit } from '../router/executor.ts'
import type { Stoppable } from '../stop-after-failure.ts'
import type { CacheStore } from '../store/cache-store.ts'
import type { TaskService } from '../task-queue/task-service.ts'
import { AuditGate } from './audit-gate.ts'
import { DataDisk } from './data-disk.ts'
import { isStorageFull } from './storage-full.ts'
import { registerStorageMetrics, type StoreRows } from './storage-metrics.ts'
import { StoreSizes } from './store-sizes.ts'

/** A successful dispatch is fully described by the entry of the tool it ran. */
const DISPATCH_TOOL = 'tools_dispatch'

export interface StorageInit {
  config: RelayConfig
  now: () => number
  log: Logger
  registry: Registry
  /** The relay's quotas, which hold the stored-bytes budget. */
  quotas: Quotas
  /** Counted at each scrape for `mcpp_store_rows`. */
  tasks: Pick<TaskService, 'counts'>
  cache: Pick<CacheStore, 'stats'>
  /** The audit log is added as soon as it is open, so that a build failing later closes it. */
  opened: Stoppable[]
  /** The checkpointer's checkpoint of a file running now (AuditLogOptions.walCheckpoint). */
  walCheckpoint: NonNullable<AuditLogOptions['walCheckpoint']>
  /** Runs a seal's disk work on a compute thread (AuditLogOptions.sealStep). */
  sealStep: NonNullable<AuditLogOptions['sealStep']>
}

/** What the rest of the relay uses of the data directory's storage. */
export interface RelayStorage {
  audit: AuditLog
  /** Free space for /readyz; a lifecycle part (its start takes the first reading). */
  disk: DataDisk
  /** The router's admission: the audit gate, then the stored-bytes quota. */
  admit: NonNullable<ExecutorInit['admit']>
  /** The router's `onCall`: one audit entry per call (after a digest in turns, for large params). */
  recordCall: (call: CallRecord) => undefined | Promise<void>
}

/**
 * The storage side of a relay (issue 16): the audit log and the gate that holds
 * state-changing calls while it cannot be written, the data disk's free space, the
 * stored-bytes guard, and the store sizes and rows /metrics reports.
 */
export function buildStorage(init: StorageInit): RelayStorage {
  const { config, now, log, registry, opened } = init
  const audit = new AuditLog({
    dir: join(config.dataDir, 'audit'),
    legacyFile: join(config.dataDir, 'audit.db'),
    ...config.audit,
    removal: config.audit,
    now,
    walCheckpoint: init.walCheckpoint,
    sealStep: init.sealStep,
    onError: (err, retrying) => {
      log.error(retrying ? 'audit log write failed; retrying' : 'audit entry lost', { error: err.message })
      auditGate.failed(err)
    },
  })
  registerAuditMetrics(registry, audit)
  opened.push(audit)
  const auditGate = new AuditGate(() => audit.flush())
  const disk = new DataDisk(config.dataDir, now)
  registerStorageMetrics({
    registry,
    sizes: new StoreSizes(config.dataDir, now),
    disk,
    rows: () => storeRows(init.tasks, init.cache),
  })
  const storedBytes = new StoredBytesGuard({
    quotas: init.quotas,
    perHour: config.limits.storedBytesPerHour,
    dataDir: config.dataDir,
    minFreeDiskMb: config.limits.minFreeDiskMb,
    now,
  })
  return {
    audit,
    disk,
    admit: (tool, params, ctx) => {
      auditGate.admit(tool)
      return storedBytes.admit(tool, params, ctx)
    },
    // A failed dispatch (unknown tool, bad category) is recorded itself.
    recordCall: (call) => {
      if (call.tool.name === DISPATCH_TOOL && call.outcome === 'ok') return undefined
      const time = now()
      const append = (paramsDigest: string): undefined => {
        try {
          audit.append({
            time,
            tool: call.tool.name,
            sessionId: call.ctx.caller.sessionId ?? null,
            identity: call.ctx.caller.identity ?? null,
            paramsDigest,
            outcome: call.outcome,
            runtime: call.runtime,
            durationMs: call.durationMs,
          })
        } catch (err) {
          // A full backlog writes at once; on a full disk the entry stays pending (written when
          // space returns) and the gate holds state-changing calls. The call itself has run.
          if (!isStorageFull(err)) throw err
          auditGate.failed(err)
        }
        return undefined
      }
      const digest = paramsDigestInTurns(call.params)
      return typeof digest === 'string' ? append(digest) : digest.then(append)
    },
  }
}

/** Rows per store where counting is cheap: tasks by state (an index), unexpired cache entries. */
function storeRows(tasks: StorageInit['tasks'], cache: StorageInit['cache']): StoreRows[] {
  const rows: StoreRows[] = []
  try {
    for (const [state, n] of Object.entries(tasks.counts())) rows.push({ store: 'tasks', state, rows: n })
    rows.push({ store: 'cache', state: 'live', rows: cache.stats().entries })
  } catch {
    // A store closed by a stop under way: its rows are left out of this scrape.
  }
  return rows
}
