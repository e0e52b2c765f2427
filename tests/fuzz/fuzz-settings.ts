/**
 * The seeded fuzz suite (issue 9): random and mutated frames at every libp2p protocol
 * of a relay and random and mutated params at every tool through `tools_dispatch`,
 * against a relay running as a child process (so that a crash is observed, not fatal
 * to the test runner). Each file asserts that the relay stays alive and responsive and
 * that data acknowledged before the run is intact after it.
 *
 *   MCPP_FUZZ_SEED     replay a run (printed with every finding; random by default)
 *   MCPP_FUZZ_SECONDS  total fuzzing time across the suite (default 60, `npm run fuzz` 600)
 *
 * The budget is split between the files by the weights below; shrinking a finding
 * has its own budget, a fraction of the file's.
 */

/** Share of the total budget per file: tools have the largest surface. */
export const WEIGHTS = {
  tools: 40,
  task: 25,
  block: 12,
  announce: 8,
  services: 15,
} as const

export type FuzzFile = keyof typeof WEIGHTS

const DEFAULT_SECONDS = 60

/**
 * How long /healthz may take while hostile input is being handled. The product rule is
 * 50 ms of event-loop blocking per call (issue 9); the fuzz bound is generous because
 * it runs on shared CI machines, so what it reports are real hogs, not noise.
 */
export const HEALTH_BOUND_MS = Number(process.env.MCPP_FUZZ_HEALTH_MS ?? 2000)
/** A tool call or protocol exchange that takes longer than this is reported as a hang. */
export const CALL_BOUND_MS = Number(process.env.MCPP_FUZZ_CALL_MS ?? 10_000)
/** Shrinking one finding never takes longer than this, however large the budget. */
const MAX_SHRINK_PER_FINDING_MS = 60_000
const MIN_SHRINK_MS = 15_000

export interface FuzzSettings {
  seed: number
  /** Time for generating and running inputs in this file. */
  budgetMs: number
  /** Time for shrinking all findings of this file together. */
  shrinkMs: number
  shrinkPerFindingMs: number
}

function parseSeed(raw: string | undefined): number {
  if (raw !== undefined && raw.trim() !== '') {
    const seed = Number(raw)
    if (!Number.isSafeInteger(seed)) throw new Error(`MCPP_FUZZ_SEED must be an integer, got "${raw}"`)
    return seed | 0
  }
  return (Math.random() * 2 ** 32) | 0
}

/** One seed for the whole process, so that every file of a run can be replayed with it. */
const SEED = parseSeed(process.env.MCPP_FUZZ_SEED)

export function fuzzSettings(file: FuzzFile): FuzzSettings {
  const total = Number(process.env.MCPP_FUZZ_SECONDS ?? DEFAULT_SECONDS)
  if (!(total > 0)) throw new Error(`MCPP_FUZZ_SECONDS must be a positive number, got "${total}"`)
  const sum = Object.values(WEIGHTS).reduce((a, b) => a + b, 0)
  const budgetMs = Math.round((total * 1000 * WEIGHTS[file]) / sum)
  // Shrinking a crash restarts the relay (~2 s) for every candidate that reproduces it.
  const shrinkMs = Math.max(MIN_SHRINK_MS, Math.round(budgetMs / 2))
  return {
    seed: SEED,
    budgetMs,
    shrinkMs,
    shrinkPerFindingMs: Math.min(
      MAX_SHRINK_PER_FINDING_MS,
      Math.max(MIN_SHRINK_MS, Math.round(shrinkMs / 2)),
    ),
  }
}

/**
 * The vitest time limit of a file's fuzz test: the budget, shrinking, and for each
 * possible relay restart and hung call a bound of its own.
 */
export function fuzzTestTimeout(settings: FuzzSettings): number {
  return settings.budgetMs + settings.shrinkMs + 4 * CALL_BOUND_MS + 60_000
}
