/**
 * The Node worker's options: flags (node:util parseArgs), each with an `MCPP_*`
 * environment variable below it. `--help` is generated from the same table, so every
 * option and default an operator can set is listed there.
 */
import { availableParallelism, hostname } from 'node:os'
import { parseArgs } from 'node:util'
import { MIN_CPU_CAP } from '../core/cost-controls.ts'
import { DEFAULT_IDLE_POLICY, IDLE_SAMPLE_EVERY_MS, RESUME_FRACTION } from '../core/idle-detection.ts'

export interface WorkerCliOptions {
  relay: string
  concurrency: number
  name: string
  joinToken?: string
  /** Percent of the time each compute context may compute (duty cycle; 100: no cap). */
  cpuCap: number
  /** Take tasks only while other processes leave the CPU mostly idle. */
  onlyWhenIdle: boolean
  /** Other processes' share of all cores (percent) above which the machine is busy. */
  idleThreshold: number
}

interface OptionRow {
  flag: string
  env: string
  kind: 'string' | 'boolean'
  arg?: string
  help: string
}

const resumeSeconds = DEFAULT_IDLE_POLICY.resumeAfterMs / 1000

export const WORKER_OPTIONS: readonly OptionRow[] = [
  {
    flag: 'relay',
    env: 'MCPP_WORKER_RELAY',
    kind: 'string',
    arg: '<url|multiaddr>',
    help: 'the relay: its HTTP base URL or its libp2p multiaddr (required)',
  },
  {
    flag: 'concurrency',
    env: 'MCPP_WORKER_CONCURRENCY',
    kind: 'string',
    arg: '<n>',
    help: 'tasks run at once, one compute context (worker thread) each, 1–256 (default: CPU count)',
  },
  {
    flag: 'name',
    env: 'MCPP_WORKER_NAME',
    kind: 'string',
    arg: '<text>',
    help: 'label shown in worker statistics (default: node@<host name>)',
  },
  {
    flag: 'join-token',
    env: 'MCPP_JOIN_TOKEN',
    kind: 'string',
    arg: '<token>',
    help: 'join token for relays that admit workers by token',
  },
  {
    flag: 'cpu-cap',
    env: 'MCPP_WORKER_CPU_CAP',
    kind: 'string',
    arg: '<percent>',
    help: `share of the time each compute context may compute, ${MIN_CPU_CAP}–100: after a task of t ms it rests t·(100 − cap)/cap ms (default 100, no cap)`,
  },
  {
    flag: 'only-when-idle',
    env: 'MCPP_WORKER_ONLY_WHEN_IDLE',
    kind: 'boolean',
    help: `take tasks only while the machine seems idle: sampled every ${IDLE_SAMPLE_EVERY_MS / 1000} s, busy while other processes use more than --idle-threshold of all cores; resumes after ${resumeSeconds} s below ${RESUME_FRACTION * 100} % of it (held tasks finish; default off)`,
  },
  {
    flag: 'idle-threshold',
    env: 'MCPP_WORKER_IDLE_THRESHOLD',
    kind: 'string',
    arg: '<percent>',
    help: `other processes' CPU use, percent of all cores, 1–100, that counts as busy (default ${DEFAULT_IDLE_POLICY.busyAbovePercent})`,
  },
]

export const WORKER_HELP = `usage: npm run worker -- --relay <http://host:8000 | /ip4/…/ws/p2p/…> [options]

${WORKER_OPTIONS.map((o) => `  --${o.flag}${o.arg ? ` ${o.arg}` : ''}\n      ${o.help} (env ${o.env})`).join('\n')}
  --help
      this text`

export type ParsedCli =
  | { ok: true; help: boolean; options?: WorkerCliOptions }
  | { ok: false; message: string }

const TRUE = new Set(['1', 'true', 'yes', 'on'])
const FALSE = new Set(['0', 'false', 'no', 'off', ''])

/** A value out of its range; becomes `{ ok: false, message }`. */
class BadOption extends Error {}

/** Reads flags first, then `MCPP_*` variables; every value is checked against its range. */
export function parseWorkerCli(argv: string[], env: Record<string, string | undefined>): ParsedCli {
  let values: Record<string, string | boolean | undefined>
  try {
    values = parseArgs({
      args: argv,
      options: {
        ...Object.fromEntries(WORKER_OPTIONS.map((o) => [o.flag, { type: o.kind }])),
        help: { type: 'boolean' },
      },
    }).values
  } catch (err) {
    return { ok: false, message: (err as Error).message }
  }
  if (values.help) return { ok: true, help: true }
  const raw = (flag: string): string | boolean | undefined => {
    const row = WORKER_OPTIONS.find((o) => o.flag === flag) as OptionRow
    return values[flag] ?? env[row.env]
  }
  const text = (flag: string): string | undefined => {
    const value = raw(flag)
    return typeof value === 'string' && value !== '' ? value : undefined
  }
  const int = (flag: string, lo: number, hi: number, fallback: number): number => {
    const value = raw(flag)
    if (value === undefined) return fallback
    const n = Number(value)
    if (!Number.isInteger(n) || n < lo || n > hi)
      throw new BadOption(`--${flag} must be an integer ${lo}–${hi}`)
    return n
  }
  const flag = (name: string): boolean => {
    const value = raw(name) ?? false
    if (typeof value === 'boolean') return value
    if (TRUE.has(value.toLowerCase())) return true
    if (FALSE.has(value.toLowerCase())) return false
    throw new BadOption(`--${name} (env) must be 1/true/yes or 0/false/no`)
  }
  try {
    const relay = text('relay')
    if (relay === undefined) throw new BadOption('--relay is required')
    const joinToken = text('join-token')
    return {
      ok: true,
      help: false,
      options: {
        relay,
        concurrency: int('concurrency', 1, 256, availableParallelism()),
        name: text('name') ?? `node@${hostname()}`,
        ...(joinToken === undefined ? {} : { joinToken }),
        cpuCap: int('cpu-cap', MIN_CPU_CAP, 100, 100),
        onlyWhenIdle: flag('only-when-idle'),
        idleThreshold: int('idle-threshold', 1, 100, DEFAULT_IDLE_POLICY.busyAbovePercent),
      },
    }
  } catch (err) {
    if (err instanceof BadOption) return { ok: false, message: err.message }
    throw err
  }
}
