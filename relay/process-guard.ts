import { Counter, type Registry } from 'prom-client'
import type { Logger } from './log.ts'

/**
 * The relay's last line of defence (issue 9). Every asynchronous path handles its own
 * errors; this only catches what slipped through.
 *
 * - An unhandled promise rejection is logged, counted and survived: a promise nobody
 *   awaited cannot have left a half-done synchronous change behind, and the durable
 *   stores commit in transactions.
 * - An uncaught exception is not survived: it was thrown out of a synchronous callback
 *   that may have been halfway through changing in-memory state, so keeping on would
 *   hide a corrupted state. It is logged and the process exits with status 70; what the
 *   relay acknowledged is durable and comes back on restart.
 */
export function installProcessGuard(log: Logger, registry: Registry): () => void {
  const rejections = new Counter({
    name: 'mcpp_unhandled_rejections_total',
    help: 'Promise rejections no code handled; logged and survived (each one is a bug to fix)',
    registers: [registry],
  })
  const onRejection = (reason: unknown) => {
    rejections.inc()
    log.error('unhandled promise rejection (survived)', describe(reason))
  }
  const onException = (err: Error) => {
    log.error('uncaught exception; exiting, state may be inconsistent', describe(err))
    process.exit(70)
  }
  process.on('unhandledRejection', onRejection)
  process.on('uncaughtException', onException)
  return () => {
    process.off('unhandledRejection', onRejection)
    process.off('uncaughtException', onException)
  }
}

function describe(reason: unknown): Record<string, unknown> {
  if (reason instanceof Error) return { error: reason.message, name: reason.name, stack: reason.stack }
  return { error: String(reason) }
}
