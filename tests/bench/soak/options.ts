/** The soak's command-line options (`npm run bench -- --soak SECONDS [--soak-… N]`) and defaults. */

/**
 * Relay flags that make retention cycle many times in a run: a finished task is kept
 * 60 s and sweeps run every 10 s, so the set of finished tasks (and their payload
 * blocks) turns over about nine times in a 10-minute run (issue 16).
 */
export const RETENTION_ARGS: readonly string[] = [
  '--retention-task-max-age-seconds',
  '60',
  '--retention-sweep-interval-seconds',
  '10',
]

/**
 * Dev escape hatch: `MCPP_SOAK_NO_RETENTION=1` starts the relay without RETENTION_ARGS,
 * for a relay that does not know them yet. Its stores then grow, and the report says so.
 */
export const NO_RETENTION_ENV = 'MCPP_SOAK_NO_RETENTION'

/** parseArgs options of the soak; run.ts merges them into its own. */
export const SOAK_ARGS = {
  soak: { type: 'string' },
  'soak-warmup': { type: 'string' },
  'soak-sample-seconds': { type: 'string', default: '5' },
  'soak-task-rate': { type: 'string', default: '20' },
  'soak-large-task-rate': { type: 'string', default: '0.2' },
  'soak-tool-rate': { type: 'string', default: '20' },
  'soak-query-rate': { type: 'string', default: '2' },
  'soak-ipfs-rate': { type: 'string', default: '2' },
} as const

/** Offered load per second of each stream; fixed, so a drift in what completes means something. */
export interface SoakRates {
  /** Echo tasks, submitted in batches of TASK_BATCH with `wait`, run by the Node workers and tabs. */
  tasks: number
  /** Echo tasks whose ~300 KB input is above the inline limit, so it travels as a block. */
  largeTasks: number
  /** `system_echo`, `text_hash` and `text_count`, in turn. */
  tools: number
  /** `dataset_query` over the dataset loaded at the start. */
  queries: number
  /** `ipfs_add` of small texts from a fixed set (pinned, so they must stay). */
  ipfs: number
}

export interface SoakOptions {
  /** Whole run, warm-up included. */
  seconds: number
  warmupSeconds: number
  sampleSeconds: number
  rates: SoakRates
  /** False when NO_RETENTION_ENV is set. */
  retention: boolean
}

type Values = { [K in keyof typeof SOAK_ARGS]?: string | undefined }

function number(name: string, text: string | undefined, min: number): number {
  const n = Number(text)
  if (text === undefined || text.trim() === '' || !(n >= min)) {
    throw new Error(`--${name} must be a number ≥ ${min}, got ${text}`)
  }
  return n
}

export function soakOptions(values: Values, env: NodeJS.ProcessEnv = process.env): SoakOptions {
  const seconds = number('soak', values.soak, 1)
  const warmupSeconds =
    values['soak-warmup'] === undefined
      ? Math.max(30, Math.round(seconds / 10))
      : number('soak-warmup', values['soak-warmup'], 0)
  if (seconds - warmupSeconds < 60) {
    throw new Error(
      `--soak ${seconds} leaves ${seconds - warmupSeconds} s after a ${warmupSeconds} s warm-up; at least one whole minute is measured`,
    )
  }
  return {
    seconds,
    warmupSeconds,
    sampleSeconds: number('soak-sample-seconds', values['soak-sample-seconds'], 1),
    rates: {
      tasks: number('soak-task-rate', values['soak-task-rate'], 0),
      largeTasks: number('soak-large-task-rate', values['soak-large-task-rate'], 0),
      tools: number('soak-tool-rate', values['soak-tool-rate'], 0),
      queries: number('soak-query-rate', values['soak-query-rate'], 0),
      ipfs: number('soak-ipfs-rate', values['soak-ipfs-rate'], 0),
    },
    retention: env[NO_RETENTION_ENV] !== '1',
  }
}
