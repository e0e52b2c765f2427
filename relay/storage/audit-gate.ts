import type { Tool } from '../../shared/tool/types.ts'
import { isStorageFull, storageFullError } from './storage-full.ts'

/** The meta-tools are the front door; the tool a dispatch runs passes this gate itself. */
const META_CATEGORY = 'tools'

/**
 * No state-changing call runs while the audit log cannot be written (issue 16). The log
 * appends after a call and writes in the background (audit-log.ts), so a full disk shows
 * first as a failed background write; from then on, each call that changes state first
 * tries to write what is pending, and is refused with STORAGE_FULL (store `audit`) if
 * that fails. It would otherwise change state with no durable record of who did it.
 * Read-only calls still run: their entries stay in memory, chained in order, and are
 * written when space returns (a crash before then loses them, as it would lose the last
 * FLUSH_INTERVAL_MS of entries at any time).
 */
export class AuditGate {
  private readonly flush: () => void
  private failing = false

  /** `flush` writes the audit log's pending entries now, throwing what the write threw. */
  constructor(flush: () => void) {
    this.flush = flush
  }

  /** The audit log reported a failed write; only a full disk closes the gate. */
  failed(err: unknown): void {
    if (isStorageFull(err)) this.failing = true
  }

  /** Throws STORAGE_FULL when `tool` changes state and the audit log still cannot be written. */
  admit(tool: Tool): void {
    if (!this.failing || tool.annotations?.readOnlyHint === true || tool.category === META_CATEGORY) return
    try {
      this.flush()
      this.failing = false
    } catch (err) {
      if (isStorageFull(err)) throw storageFullError('audit', err)
      // Not the disk (the log is closing, say): the log reports that itself; the gate does not hold calls for it.
      this.failing = false
    }
  }
}
