import type { RelayLogLevel } from './config/schema.ts'

export interface Logger {
  debug(message: string, data?: Record<string, unknown>): void
  info(message: string, data?: Record<string, unknown>): void
  warn(message: string, data?: Record<string, unknown>): void
  error(message: string, data?: Record<string, unknown>): void
}

const RANK: Record<RelayLogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 }

/** One JSON line per event on stderr, so stdout stays free for tools that pipe it. */
export function createLogger(
  level: RelayLogLevel,
  write: (line: string) => void = (l) => process.stderr.write(l),
): Logger {
  const emit =
    (at: Exclude<RelayLogLevel, 'silent'>) => (message: string, data?: Record<string, unknown>) => {
      if (RANK[at] < RANK[level]) return
      write(`${JSON.stringify({ time: new Date().toISOString(), level: at, message, ...data })}\n`)
    }
  return { debug: emit('debug'), info: emit('info'), warn: emit('warn'), error: emit('error') }
}
