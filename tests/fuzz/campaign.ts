import fc from 'fast-check'
import type { FuzzSettings } from './fuzz-settings.ts'
import type { Finding, FuzzedRelay } from './fuzzed-relay.ts'
import { preview } from './preview.ts'

/** Inputs kept to explain a finding noticed after the input that caused it. */
const RECENT_INPUTS = 5
/** Wait at the end for late failures (an unhandled rejection a few seconds after a call). */
const SETTLE_MS = 3_000

export interface Campaign<T> {
  /** Prefix of finding keys and the name in reports, e.g. "task-protocol". */
  name: string
  relay: FuzzedRelay
  arbitrary: fc.Arbitrary<T>
  /** Sends one input to the relay and says what went wrong, if anything. */
  attempt(input: T): Promise<Finding | undefined>
  /** Releases what the attempts hold (peers), after the campaign. */
  finish?(): Promise<void>
}

export interface RecordedFinding extends Finding {
  /** The input (shrunk when shrinking reproduced it), as fast-check prints it. */
  input: string
  shrunk: boolean
  /** fast-check's seed and path of the input; absent for a finding noticed between inputs. */
  replay?: { seed: number; path: string }
  /** The inputs sent just before, for findings noticed late. */
  recent: string[]
  relayLog: string
}

export interface CampaignReport {
  name: string
  seed: number
  runs: number
  seconds: number
  restarts: number
  findings: RecordedFinding[]
}

class FindingError extends Error {
  readonly finding: Finding
  constructor(finding: Finding) {
    super(`${finding.kind}: ${finding.summary}`)
    this.finding = finding
  }
}

/**
 * Runs a fuzz campaign for a time budget. Inputs come from fast-check with a seed; the
 * first input that produces a new finding ends a segment, the finding is shrunk (in
 * bounded time, replaying only that input's path, and a shrink step counts only if
 * it reproduces the same finding), the relay is restarted, and a new segment goes on
 * with the next seed. A finding already recorded does not stop the run again, so one
 * run reports every distinct finding it meets.
 */
export async function runCampaign<T>(campaign: Campaign<T>, settings: FuzzSettings): Promise<CampaignReport> {
  const { relay } = campaign
  const started = performance.now()
  const deadline = started + settings.budgetMs
  let shrinkLeft = settings.shrinkMs
  const known = new Map<string, RecordedFinding>()
  // Inputs themselves (they are never mutated); rendered only when a report needs them.
  const recent: T[] = []
  let runs = 0
  let inFlight: Promise<unknown> = Promise.resolve()
  let lastInput: T | undefined

  /**
   * Runs a property body and remembers it: when fast-check interrupts a run at the end
   * of a budget, the body keeps going (it cannot be stopped), and it must finish,
   * restart included, before anything else talks to the relay.
   */
  const tracked = <R>(body: () => Promise<R>): Promise<R> => {
    const run = body()
    inFlight = run.catch(() => {})
    return run
  }

  /** One input; a dead relay found before it is sent is recorded at once, never blamed on it. */
  const attempt = async (input: T): Promise<Finding | undefined> => {
    if (!relay.alive) {
      const late = relay.crashed(campaign.name, true)
      if (!known.has(late.key)) known.set(late.key, record(late, '(not an input: see recent)', false))
      await relay.restart()
    }
    recent.push(input)
    if (recent.length > RECENT_INPUTS) recent.shift()
    lastInput = input
    return campaign.attempt(input)
  }

  const record = (
    finding: Finding,
    input: string,
    shrunk: boolean,
    replay?: { seed: number; path: string },
    context = { recent: recent.map((r) => preview(r)), relayLog: relay.logTail() },
  ): RecordedFinding => ({
    ...finding,
    input,
    shrunk,
    ...(replay ? { replay } : {}),
    ...context,
  })

  for (let segment = 0; performance.now() < deadline; segment++) {
    const seed = (settings.seed + segment) | 0
    // Assigned inside the property; `as` keeps TypeScript from narrowing it to undefined.
    let found = undefined as Finding | undefined
    const property = fc.asyncProperty(campaign.arbitrary, (input) =>
      tracked(async () => {
        const finding = await attempt(input)
        if (finding && !known.has(finding.key)) {
          found = finding
          throw new FindingError(finding)
        }
        if (finding?.broken || !relay.alive) await relay.restart()
      }),
    )
    const result = await fc.check(property, {
      seed,
      numRuns: Number.MAX_SAFE_INTEGER,
      endOnFailure: true,
      plugins: [fc.interruptAfterTimeLimit(Math.max(1, deadline - performance.now()))],
    })
    // An interrupted run keeps going in the background: let it end before going on.
    await inFlight
    runs += result.numRuns
    if (!found) break
    const finding = found
    const context = { recent: recent.map((r) => preview(r)), relayLog: relay.logTail() }
    if (finding.broken || !relay.alive) await relay.restart()
    // Found by the run the time limit interrupted: fast-check did not see it fail, so
    // there is no path to replay, only the input itself.
    if (!result.failed) {
      known.set(finding.key, record(finding, preview(lastInput), false, undefined, context))
      break
    }
    let input = preview((result.counterexample as unknown[] | null)?.[0])
    let shrunk = false
    let path = result.counterexamplePath ?? ''
    if (!finding.delayed && shrinkLeft > 0) {
      const shrinkStarted = performance.now()
      const reproduces = fc.asyncProperty(campaign.arbitrary, (candidate) =>
        tracked(async () => {
          const again = await attempt(candidate)
          if (again?.broken || !relay.alive) await relay.restart()
          return again?.key !== finding.key
        }),
      )
      const replay = await fc.check(reproduces, {
        seed,
        path,
        plugins: [fc.interruptAfterTimeLimit(Math.min(shrinkLeft, settings.shrinkPerFindingMs))],
      })
      await inFlight
      shrinkLeft -= performance.now() - shrinkStarted
      // A replay interrupted before its first run ends "fails" with no counterexample.
      if (replay.failed && replay.counterexample) {
        input = preview((replay.counterexample as unknown[] | null)?.[0])
        shrunk = replay.numShrinks > 0
        path = replay.counterexamplePath ?? path
      }
    }
    known.set(finding.key, record(finding, input, shrunk, { seed, path }, context))
  }

  // A failure that comes seconds after its input (an unhandled rejection in a
  // background task) would otherwise go unseen at the end of the budget.
  await new Promise((resolve) => setTimeout(resolve, SETTLE_MS))
  const last = await relay.check(campaign.name, { canary: true })
  if (last) {
    const late = { ...last, delayed: true }
    if (!known.has(late.key)) known.set(late.key, record(late, '(after the last input: see recent)', false))
    await relay.restart()
  }

  await campaign.finish?.()
  return {
    name: campaign.name,
    seed: settings.seed,
    runs,
    seconds: Math.round((performance.now() - started) / 100) / 10,
    restarts: relay.restarts,
    findings: [...known.values()],
  }
}

/** A report a person can act on: each finding with its input, how to replay it, and the relay's last words. */
export function describeFindings(report: CampaignReport, file: string): string {
  const lines = [
    `${report.name}: ${report.findings.length} finding(s) in ${report.runs} inputs (${report.seconds} s).`,
    `Replay the run: MCPP_FUZZ_SEED=${report.seed} npx vitest run ${file}`,
  ]
  report.findings.forEach((f, i) => {
    lines.push(
      '',
      `#${i + 1} ${f.kind} — ${f.summary}`,
      `  key: ${f.key}`,
      `  input${f.shrunk ? ' (shrunk)' : ''}: ${truncate(f.input, 1500)}`,
      ...(f.replay ? [`  fast-check seed ${f.replay.seed}, path "${f.replay.path}"`] : []),
      ...(f.delayed
        ? [
            `  noticed late; the inputs just before:\n    ${f.recent.map((r) => truncate(r, 400)).join('\n    ')}`,
          ]
        : []),
      // Prefixed so that the relay's stack lines are not read as this test's stack.
      `  relay log tail:\n${f.relayLog
        .split('\n')
        .slice(-15)
        .map((l) => `    relay| ${l}`)
        .join('\n')}`,
    )
  })
  return lines.join('\n')
}

function truncate(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max)}… (${text.length} chars)` : text
}
