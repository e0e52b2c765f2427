import { statfs } from 'node:fs/promises'
import { McppError } from '../../shared/errors.ts'
import type { Tool, ToolContext } from '../../shared/tool/types.ts'
import type { Quotas } from './quotas.ts'
import type { RateQuota } from './rate-quota.ts'
import { quotaError } from './refusal.ts'
import type { QuotaLimits } from './types.ts'

/** How long a reading of the data disk's free space is reused. */
const DISK_READING_MS = 5_000
const MB = 1024 * 1024
const META_CATEGORY = 'tools'

export interface StoredBytesInit {
  quotas: Quotas
  /** Bytes of parameters of state-changing calls per hour, per identity and in all. */
  perHour: QuotaLimits
  dataDir: string
  /** State-changing calls are refused while the data disk has less free space than this. */
  minFreeDiskMb: number
  now: () => number
}

/**
 * The stored-bytes quota (issue 9). Every call of a tool that changes state (not
 * read-only) brings bytes the relay may keep: its parameters are counted, per identity
 * and globally, against an hourly budget (rate-limiter-flexible, through the relay's
 * quotas). And no such call starts while the data disk is nearly full, so one client
 * cannot fill it for everyone; reads keep working.
 */
export class StoredBytesGuard {
  private readonly init: StoredBytesInit
  private readonly rate: RateQuota
  private disk = { at: Number.NEGATIVE_INFINITY, freeMb: Number.POSITIVE_INFINITY }

  constructor(init: StoredBytesInit) {
    this.init = init
    this.rate = init.quotas.rate('stored_bytes_per_hour', init.perHour, 3600)
  }

  /** Throws QUOTA_EXCEEDED when this call would store more than its identity's or the relay's share. */
  async admit(tool: Tool, params: unknown, ctx: ToolContext): Promise<void> {
    // Reads store nothing; the meta-tools are the front door, and what a dispatch runs is counted itself.
    if (tool.annotations?.readOnlyHint === true || tool.category === META_CATEGORY) return
    if ((await this.freeMb()) < this.init.minFreeDiskMb) {
      throw new McppError(
        'QUOTA_EXCEEDED',
        `the relay's data disk has less than ${this.init.minFreeDiskMb} MB free (limits.minFreeDiskMb); calls that store data are refused until space is freed`,
        { quota: 'min_free_disk', retryAfterSeconds: 60 },
      )
    }
    const bytes = Buffer.byteLength(JSON.stringify(params ?? null) ?? '')
    const check = await this.rate.take(ctx.caller.identity ?? 'anonymous', Math.max(1, bytes))
    if (!check.ok) throw quotaError(check.refusal)
  }

  private async freeMb(): Promise<number> {
    const now = this.init.now()
    if (now - this.disk.at > DISK_READING_MS) {
      const stats = await statfs(this.init.dataDir).catch(() => undefined)
      this.disk = {
        at: now,
        freeMb: stats === undefined ? Number.POSITIVE_INFINITY : (stats.bavail * stats.bsize) / MB,
      }
    }
    return this.disk.freeMb
  }
}
