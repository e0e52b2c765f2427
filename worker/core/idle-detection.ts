/**
 * "Only while the machine seems idle" for a headless worker, which has no user input
 * to watch: the machine is busy when OTHER processes use much of its CPU. Our own
 * compute (and libp2p work) is subtracted, so the worker never pauses itself.
 *
 * The decision is a pure reducer over CPU samples; the Node worker takes the samples
 * (worker/node/cpu-sampler.ts) and acts on the result (a `capacity` message).
 */

/** Cumulative CPU counters at one moment. */
export interface CpuSample {
  /** When it was taken (ms, any monotonic clock). */
  atMs: number
  /** CPU time all cores spent idle since boot (ms). */
  idleMs: number
  /** CPU time all cores spent in any state since boot (ms). */
  totalMs: number
  /** CPU time this process used since it started, all its threads (ms). */
  ownMs: number
}

export interface IdlePolicy {
  /** Busy when other processes use more than this share of all cores' time (percent, 1–100). */
  busyAbovePercent: number
  /** After being busy, idle again only once other processes stayed calm this long (ms). */
  resumeAfterMs: number
}

/**
 * Calm (after a busy spell) means below this fraction of the threshold: a load that
 * hovers at the threshold stays "busy" instead of pausing and resuming in turn.
 */
export const RESUME_FRACTION = 0.75
export const DEFAULT_IDLE_POLICY: IdlePolicy = { busyAbovePercent: 25, resumeAfterMs: 30_000 }
/** How often the Node worker samples the CPU counters (ms). */
export const IDLE_SAMPLE_EVERY_MS = 5_000

export interface IdleState {
  /** undefined until the first pair of samples says anything. */
  idle: boolean | undefined
  /** Other processes' share of all cores in the latest interval (percent). */
  othersPercent?: number
  /** While busy: start of the calm stretch that will end it. */
  calmSinceMs?: number
  last?: CpuSample
}

export const INITIAL_IDLE_STATE: IdleState = { idle: undefined }

/**
 * Other processes' share (percent) of all cores' time between two samples: the time
 * the cores were not idle, less what this process used, over all the time there was.
 * Counters of different sources and resolutions can disagree a little: clamped to 0–100.
 */
export function othersPercent(prev: CpuSample, next: CpuSample): number {
  const total = next.totalMs - prev.totalMs
  if (total <= 0) return 0
  const busy = total - (next.idleMs - prev.idleMs)
  const others = busy - (next.ownMs - prev.ownMs)
  return Math.min(100, Math.max(0, (100 * others) / total))
}

/** The state after one more sample. The first sample only sets the baseline. */
export function observeCpu(state: IdleState, sample: CpuSample, policy: IdlePolicy): IdleState {
  if (state.last === undefined) return { idle: state.idle, last: sample }
  const percent = othersPercent(state.last, sample)
  const base = { othersPercent: percent, last: sample }
  if (percent > policy.busyAbovePercent) return { ...base, idle: false }
  // Nothing known yet, or idle already: no busy spell to recover from.
  if (state.idle !== false) return { ...base, idle: true }
  if (percent >= policy.busyAbovePercent * RESUME_FRACTION) return { ...base, idle: false }
  const calmSinceMs = state.calmSinceMs ?? state.last.atMs
  if (sample.atMs - calmSinceMs >= policy.resumeAfterMs) return { ...base, idle: true }
  return { ...base, idle: false, calmSinceMs }
}
