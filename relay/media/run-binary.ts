import { execFile } from 'node:child_process'
import { McppError } from '../../shared/errors.ts'

export interface RunOptions {
  signal?: AbortSignal | undefined
  timeoutMs?: number
  /** Shown when the binary is missing, e.g. "Debian package ffmpeg". */
  installHint: string
}

export class BinaryFailed extends Error {
  readonly stderr: string
  readonly exitCode: number | null
  constructor(binary: string, exitCode: number | null, stderr: string) {
    const last = stderr.trim().split('\n').slice(-3).join(' | ')
    super(`${binary} failed${exitCode === null ? '' : ` (exit ${exitCode})`}: ${last || 'no output'}`)
    this.name = 'BinaryFailed'
    this.stderr = stderr
    this.exitCode = exitCode
  }
}

/**
 * Runs a system program with arguments (no shell), collecting its output. A missing
 * program is UNAVAILABLE with an install hint; a failing one throws BinaryFailed with
 * the end of its error output; cancellation and the time limit kill it.
 */
export function runBinary(
  binary: string,
  args: readonly string[],
  options: RunOptions,
): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(
      binary,
      args,
      {
        maxBuffer: 64 * 1024 * 1024,
        timeout: options.timeoutMs ?? 10 * 60_000,
        ...(options.signal ? { signal: options.signal } : {}),
      },
      (err, stdout, stderr) => {
        if (!err) return resolve({ stdout, stderr })
        const code = (err as NodeJS.ErrnoException).code
        if (code === 'ENOENT') {
          return reject(
            new McppError(
              'UNAVAILABLE',
              `${binary} is not installed on this relay (${options.installHint})`,
              {
                binary,
              },
            ),
          )
        }
        if (options.signal?.aborted) return reject(options.signal.reason)
        if ((err as { killed?: boolean }).killed) {
          return reject(new McppError('TIMEOUT', `${binary} exceeded its time limit and was stopped`))
        }
        reject(new BinaryFailed(binary, typeof code === 'number' ? code : null, stderr))
      },
    )
  })
}
