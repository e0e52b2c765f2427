import type { SpawnCompute } from '../compute/compute-pool.ts'
import { spawnNodeCompute } from '../compute/node-compute.ts'
import { pauseReasons } from '../core/cost-controls.ts'
import {
  type CpuSample,
  DEFAULT_IDLE_POLICY,
  IDLE_SAMPLE_EVERY_MS,
  type IdleState,
  INITIAL_IDLE_STATE,
  observeCpu,
} from '../core/idle-detection.ts'
import { type RunningWorker, type StartWorkerOptions, startWorker } from '../core/start-worker.ts'
import { sampleCpu } from './cpu-sampler.ts'

/** The Node worker's cost controls; each can change while it runs. */
export interface NodeCostSettings {
  /** Percent of the time each compute context may compute (10–100; 100: no cap). */
  cpuCap: number
  /** Take tasks only while other processes leave the CPU mostly idle. */
  onlyWhenIdle: boolean
  /** Other processes' share of all cores (percent) above which the machine is busy. */
  idleThreshold: number
}

export interface NodeWorkerOptions
  extends Omit<StartWorkerOptions, 'paused' | 'spawnCompute'>,
    NodeCostSettings {
  spawnCompute?: SpawnCompute
  /** The CPU counters (default: os.cpus() and process.cpuUsage()); tests inject their own. */
  sampleCpu?: () => CpuSample
  sampleEveryMs?: number
  /** After a busy spell, calm this long before taking tasks again (ms). */
  resumeAfterMs?: number
  /** Paused or resumed by a cost control, with why and the share other processes used. */
  onPauseChange?: (change: { paused: boolean; reasons: string[]; othersPercent?: number }) => void
}

export interface NodeWorker {
  running: RunningWorker
  /** Applies new settings at once, without reconnecting. */
  configure(change: Partial<NodeCostSettings>): void
  /** The latest idle decision (`idle` undefined before two samples). */
  idleState(): IdleState
  stop(options?: { drain?: boolean }): Promise<void>
}

/**
 * The headless worker with the contribute page's cost controls: the CPU cap is the
 * compute pool's duty cycle (the page's code path), and "only when idle" pauses the
 * worker with a `capacity` message (concurrency 0) while other processes keep the
 * machine busy, and resumes it when they stop (worker/core/idle-detection.ts).
 */
export async function startNodeWorker(options: NodeWorkerOptions): Promise<NodeWorker> {
  const { cpuCap, onlyWhenIdle, idleThreshold, onPauseChange } = options
  let settings: NodeCostSettings = { cpuCap, onlyWhenIdle, idleThreshold }
  const sample = options.sampleCpu ?? sampleCpu
  const everyMs = options.sampleEveryMs ?? IDLE_SAMPLE_EVERY_MS
  let idle: IdleState = INITIAL_IDLE_STATE
  let timer: ReturnType<typeof setInterval> | undefined
  // Until the first samples say otherwise, an idle-only worker takes nothing.
  let paused = onlyWhenIdle
  const running = await startWorker({
    ...options,
    paused,
    spawnCompute: options.spawnCompute ?? (() => spawnNodeCompute()),
  })
  running.pool.setCpuCap(settings.cpuCap)

  const apply = () => {
    // Draining or stopped, the worker stays at capacity 0 whatever the CPU says.
    const { state } = running.worker.stats()
    if (state === 'draining' || state === 'stopped') return
    const reasons = pauseReasons(
      {
        concurrency: running.pool.size,
        cpuCap: settings.cpuCap,
        onlyVisible: false,
        onlyIdle: settings.onlyWhenIdle,
      },
      { visible: true, idle: idle.idle === true },
    )
    if (reasons.length > 0 === paused) return
    paused = reasons.length > 0
    running.worker.setCapacity({ paused })
    onPauseChange?.({
      paused,
      reasons,
      ...(idle.othersPercent === undefined ? {} : { othersPercent: idle.othersPercent }),
    })
  }
  const tick = () => {
    idle = observeCpu(idle, sample(), {
      busyAbovePercent: settings.idleThreshold,
      resumeAfterMs: options.resumeAfterMs ?? DEFAULT_IDLE_POLICY.resumeAfterMs,
    })
    apply()
  }
  const watch = () => {
    clearInterval(timer)
    timer = undefined
    idle = INITIAL_IDLE_STATE
    if (settings.onlyWhenIdle) {
      tick()
      timer = setInterval(tick, everyMs)
      // The sampler alone does not keep the process alive.
      timer.unref()
    }
    apply()
  }
  watch()

  return {
    running,
    configure(change) {
      const before = settings
      settings = { ...settings, ...change }
      if (settings.cpuCap !== before.cpuCap) running.pool.setCpuCap(settings.cpuCap)
      if (settings.onlyWhenIdle !== before.onlyWhenIdle) watch()
    },
    idleState: () => idle,
    async stop(stopOptions) {
      clearInterval(timer)
      timer = undefined
      await running.stop(stopOptions)
    },
  }
}
