import { cpus } from 'node:os'
import type { CpuSample } from '../core/idle-detection.ts'

/**
 * The machine's CPU counters now (`os.cpus()` times, summed over cores) and this
 * process's own use (`process.cpuUsage()` counts every thread, so the compute
 * contexts too). `os.loadavg()` was rejected: a 1-minute average that includes our
 * own threads, and always 0 on Windows.
 */
export function sampleCpu(): CpuSample {
  let idleMs = 0
  let totalMs = 0
  for (const { times } of cpus()) {
    idleMs += times.idle
    totalMs += times.user + times.nice + times.sys + times.idle + times.irq
  }
  const own = process.cpuUsage()
  return { atMs: performance.now(), idleMs, totalMs, ownMs: (own.user + own.system) / 1000 }
}
