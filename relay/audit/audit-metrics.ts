import { Gauge, type Registry } from 'prom-client'
import type { AuditLog } from './audit-log.ts'

/**
 * The audit log's footprint in /metrics (issue 16): segments and bytes on disk, by
 * state. Read at scrape time from the manifest and one stat of the active file, so
 * appending costs no metric update.
 */
export function registerAuditMetrics(registry: Registry, log: AuditLog): void {
  new Gauge({
    name: 'mcpp_audit_segments',
    help: 'Audit log segments on disk, by state (active: appended to; sealed: read-only, kept until exported and removed by policy)',
    labelNames: ['state'],
    registers: [registry],
    collect() {
      this.set({ state: 'active' }, 1)
      this.set({ state: 'sealed' }, log.diskUsage().sealed)
    },
  })
  new Gauge({
    name: 'mcpp_audit_bytes',
    help: 'Bytes of audit log segments on disk, by state',
    labelNames: ['state'],
    registers: [registry],
    collect() {
      const usage = log.diskUsage()
      this.set({ state: 'active' }, usage.activeBytes)
      this.set({ state: 'sealed' }, usage.sealedBytes)
    },
  })
  new Gauge({
    name: 'mcpp_audit_segments_removed',
    help: 'Audit log segments removed by policy after their export, since the log began',
    registers: [registry],
    collect() {
      this.set(log.manifest.removed?.count ?? 0)
    },
  })
}
