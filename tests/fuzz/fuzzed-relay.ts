import { type ChildProcess, spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pickRelayAddress, type RelayP2pStatus } from '../../worker/core/relay-address.ts'
import { CALL_BOUND_MS, HEALTH_BOUND_MS } from './fuzz-settings.ts'
import { McpWire } from './mcp-wire.ts'
import { memberPeerIds } from './member-keys.ts'

const MAIN = join(import.meta.dirname, '..', '..', 'relay', 'main.ts')
/** Lines of the relay's output kept for reports (the crash stack is at the end). */
const LOG_LINES = 200
const START_BOUND_MS = 30_000
/**
 * The canary MCP call runs after each batch of inputs, a batch being whatever fits in
 * this time; alive and /healthz are checked after every input.
 */
const CANARY_EVERY_MS = 1_000

export type FindingKind = 'crash' | 'unresponsive' | 'canary' | 'internal' | 'hang' | 'http-5xx'

/** Something the relay must never do, whatever it is sent. */
export interface Finding {
  kind: FindingKind
  /** Findings with the same key are one finding: the fuzz reports it once and goes on. */
  key: string
  summary: string
  /** The relay must be restarted before the next input (it died, hangs or is stuck). */
  broken: boolean
  /** Noticed before the input that is blamed for it, so that input did not cause it. */
  delayed?: boolean
}

/**
 * A relay under fuzz: `relay/main.ts` in a child process with a bearer token (so the
 * authenticated paths are the ones fuzzed), a temp data directory that survives
 * restarts, and a raw MCP session. After a finding it is killed and started again on
 * the same data directory, which also checks that acknowledged data survives a crash.
 */
export class FuzzedRelay {
  readonly token = randomBytes(16).toString('hex')
  readonly dataDir: string
  url = ''
  p2pAddress = ''
  peerId = ''
  mcp!: McpWire
  private child: ChildProcess | undefined
  private exit: string | undefined
  private readonly log: string[] = []
  restarts = 0
  private lastCanary = 0

  private constructor(name: string) {
    this.dataDir = mkdtempSync(join(tmpdir(), `mcpp-fuzz-${name}-`))
  }

  static async start(name: string): Promise<FuzzedRelay> {
    const relay = new FuzzedRelay(name)
    await relay.spawn()
    return relay
  }

  get filesRoot(): string {
    return join(this.dataDir, 'files')
  }

  get alive(): boolean {
    return this.exit === undefined
  }

  /** How the process ended, with the last error line it printed. */
  get exitReason(): string | undefined {
    return this.exit
  }

  get authorization(): Record<string, string> {
    return { authorization: `Bearer ${this.token}` }
  }

  /** The last lines the relay printed (its crash stack, its warnings). */
  logTail(lines = 40): string {
    return this.log.slice(-lines).join('\n')
  }

  /** The first error line of the recent output, for grouping crashes by cause. */
  errorSignature(): string {
    const tail = this.log.slice(-60)
    const line =
      tail.find((l) => /^\s*(\w*Error|Uncaught|FATAL|<--- Last few GCs|node:internal)/.test(l)) ??
      tail.find((l) => /"level":"error"/.test(l)) ??
      ''
    return line
      .replace(/"time":"[^"]*",?/, '')
      .replace(/\d+/g, 'N')
      .slice(0, 120)
  }

  private async spawn(): Promise<void> {
    this.exit = undefined
    // Reports show what this process printed; the previous one's end is in its own report.
    this.log.length = 0
    const child = spawn(
      process.execPath,
      [
        '--disable-warning=ExperimentalWarning',
        MAIN,
        '--port',
        '0',
        '--p2p-port',
        '0',
        '--data-dir',
        this.dataDir,
        '--token',
        this.token,
        // The relay's own time limits below the fuzz's call bound (10 s): a runaway SQL
        // query or compute task must end as TIMEOUT, which the default limits (30 s, 60 s)
        // would report as a hang.
        '--sql-timeout-seconds',
        '5',
        '--compute-timeout-seconds',
        '5',
        '--relay-members',
        (await memberPeerIds()).join(','),
        '--log-level',
        'warn',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'], cwd: this.dataDir },
    )
    this.child = child
    const remember = (chunk: Buffer) => {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (line.trim() === '') continue
        this.log.push(line.length > 2000 ? `${line.slice(0, 2000)}…` : line)
      }
      if (this.log.length > LOG_LINES) this.log.splice(0, this.log.length - LOG_LINES)
    }
    child.stderr?.on('data', remember)
    const ready = new Promise<string>((resolve, reject) => {
      let out = ''
      child.stdout?.on('data', (d: Buffer) => {
        remember(d)
        out += d
        const match = /MCP endpoint (http:\/\/\S+)\/mcp/.exec(out)
        if (match?.[1]) resolve(match[1])
      })
      // 'close' comes after the output pipes are drained, so the crash stack is in the log.
      child.once('close', (code, signal) => {
        this.exit = `exited with ${signal ?? code}: ${this.errorSignature() || '(no error printed)'}`
        reject(new Error(`the relay stopped while starting (${this.exit})\n${this.logTail()}`))
      })
      setTimeout(() => reject(new Error('the relay did not start in time')), START_BOUND_MS).unref()
    })
    this.url = await ready
    const status = await (await fetch(`${this.url}/api/status`, { headers: this.authorization })).json()
    const p2p = (status as { p2p: RelayP2pStatus | null }).p2p
    if (!p2p) throw new Error('the relay under fuzz has no libp2p node')
    this.peerId = p2p.peerId
    this.p2pAddress = pickRelayAddress(p2p, '127.0.0.1')
    this.mcp = new McpWire(this.url, this.authorization)
    await this.mcp.connect()
  }

  /** Kills the relay if it still runs and starts it again on the same data directory. */
  async restart(): Promise<void> {
    this.restarts++
    await this.kill()
    await this.spawn()
  }

  private async kill(): Promise<void> {
    const child = this.child
    if (!child || child.exitCode !== null || child.signalCode !== null) return
    const gone = new Promise<void>((resolve) => child.once('close', () => resolve()))
    child.kill('SIGKILL')
    await gone
  }

  /** Time /healthz takes to answer, or a problem when it does not answer well in time. */
  async health(boundMs = HEALTH_BOUND_MS): Promise<{ ms: number; problem?: string }> {
    const started = performance.now()
    try {
      const res = await fetch(`${this.url}/healthz`, { signal: AbortSignal.timeout(boundMs) })
      const body = (await res.json()) as { status?: string }
      const ms = performance.now() - started
      if (res.status !== 200 || body.status !== 'ok') {
        return { ms, problem: `/healthz answered ${res.status} ${JSON.stringify(body)}` }
      }
      return { ms }
    } catch (err) {
      const ms = performance.now() - started
      return { ms, problem: `/healthz gave no answer within ${boundMs} ms (${(err as Error).message})` }
    }
  }

  /**
   * Whether the relay is still fine: alive, /healthz in time, and (once per batch, or
   * when `canary` is set) a canary MCP call, `system_echo` through `tools_dispatch`,
   * that must round-trip its message.
   */
  async check(label: string, options: { canary?: boolean } = {}): Promise<Finding | undefined> {
    if (!this.alive) return this.crashed(label)
    const health = await this.health()
    // A refused connection is often a process on its way out: let its exit arrive.
    if (health.problem && (await this.exitsWithin(1_000))) return this.crashed(label)
    if (!this.alive) return this.crashed(label)
    if (health.problem) {
      return { kind: 'unresponsive', key: `${label}:unresponsive`, summary: health.problem, broken: true }
    }
    if (!options.canary && performance.now() - this.lastCanary < CANARY_EVERY_MS) return undefined
    this.lastCanary = performance.now()
    const message = `canary-${randomBytes(4).toString('hex')}`
    const reply = await this.mcp
      .dispatch('system_echo', { message }, { timeoutMs: CALL_BOUND_MS })
      .catch((err: Error) => ({ error: err.message }))
    if (!this.alive) return this.crashed(label)
    const echoed = 'result' in reply ? reply.result?.structuredContent?.result?.message : undefined
    if (echoed !== message) {
      return {
        kind: 'canary',
        key: `${label}:canary`,
        summary: `the canary system_echo call failed: ${JSON.stringify(reply).slice(0, 500)}`,
        broken: true,
      }
    }
    return undefined
  }

  /** Whether the process ends within the bound (resolves early when it does). */
  exitsWithin(boundMs: number): Promise<boolean> {
    const child = this.child
    if (!this.alive || !child) return Promise.resolve(true)
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        child.off('close', onClose)
        resolve(false)
      }, boundMs)
      const onClose = () => {
        clearTimeout(timer)
        // The 'close' listener that records the exit ran first (it was added first).
        resolve(true)
      }
      child.once('close', onClose)
    })
  }

  crashed(label: string, delayed = false): Finding {
    const signature = this.errorSignature()
    return {
      kind: 'crash',
      key: `${label}:crash:${signature}`,
      summary: `the relay process ${this.exit ?? 'died'}`,
      broken: true,
      ...(delayed ? { delayed } : {}),
    }
  }

  async stop(): Promise<void> {
    await this.mcp?.close()
    await this.kill()
    rmSync(this.dataDir, { recursive: true, force: true })
  }
}
