/**
 * The contribute page's cost controls (issue 13): how many tasks run at once, a CPU cap
 * as a duty cycle per compute context, and two conditions for taking work at all. They
 * are remembered in the tab (localStorage) and applied to a running worker at once.
 */
export interface CostSettings {
  /** Compute contexts, each running one task at a time (1–16). */
  concurrency: number
  /** Percent of the time each compute context may compute (10–100; 100 is no cap). */
  cpuCap: number
  /** Take new tasks only while the page is visible (document.visibilityState). */
  onlyVisible: boolean
  /** Take new tasks only while the machine seems idle (see the page's idle signal). */
  onlyIdle: boolean
}

export const MAX_TAB_CONCURRENCY = 16
export const MIN_CPU_CAP = 10

export const DEFAULT_COST_SETTINGS: CostSettings = {
  concurrency: 2,
  cpuCap: 100,
  onlyVisible: false,
  onlyIdle: false,
}

const clamp = (n: unknown, lo: number, hi: number, fallback: number): number =>
  typeof n === 'number' && Number.isFinite(n) ? Math.min(hi, Math.max(lo, Math.round(n))) : fallback

/** Settings from what was stored (anything unreadable falls back to the defaults). */
export function readCostSettings(stored: string | null): CostSettings {
  let raw: Partial<Record<keyof CostSettings, unknown>> = {}
  try {
    const parsed = stored === null ? {} : JSON.parse(stored)
    if (parsed && typeof parsed === 'object') raw = parsed
  } catch {
    // Unreadable: the defaults.
  }
  const d = DEFAULT_COST_SETTINGS
  return {
    concurrency: clamp(raw.concurrency, 1, MAX_TAB_CONCURRENCY, d.concurrency),
    cpuCap: clamp(raw.cpuCap, MIN_CPU_CAP, 100, d.cpuCap),
    onlyVisible: typeof raw.onlyVisible === 'boolean' ? raw.onlyVisible : d.onlyVisible,
    onlyIdle: typeof raw.onlyIdle === 'boolean' ? raw.onlyIdle : d.onlyIdle,
  }
}

/** What the page knows about its surroundings. */
export interface Conditions {
  visible: boolean
  idle: boolean
}

/** Why the worker should take no new tasks now; empty when it may. */
export function pauseReasons(settings: CostSettings, now: Conditions): string[] {
  const reasons: string[] = []
  if (settings.onlyVisible && !now.visible) reasons.push('this tab is hidden')
  if (settings.onlyIdle && !now.idle) reasons.push('the machine is in use')
  return reasons
}

/** Rest after computing `computeMs` at `cpuCap` percent: the duty cycle of one compute context. */
export function restAfter(computeMs: number, cpuCap: number): number {
  return cpuCap >= 100 ? 0 : (computeMs * (100 - cpuCap)) / cpuCap
}
