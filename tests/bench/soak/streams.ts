import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { connect } from '../load.ts'
import type { RelayChild } from '../relay-child.ts'
import { fixedRate } from './fixed-rate.ts'
import type { SoakRates } from './options.ts'

type Client = Awaited<ReturnType<typeof connect>>
export type StreamKind = keyof SoakRates

/** One call of the load, as the client saw it. */
export interface CallRecord {
  kind: StreamKind
  /** When it answered, in seconds since the run started. */
  at: number
  ms: number
  ok: boolean
  /** Tasks that ended `succeeded` in this call's answer. */
  tasks: number
}

export interface LoadLog {
  calls: CallRecord[]
  /** Per stream, starts skipped because its in-flight cap of calls were still open. */
  skipped: Map<StreamKind, number>
  /** Distinct failure messages with their counts. */
  failures: Map<string, number>
}

/** Tasks per submit call: batches, as a client with much to run would send them. */
export const TASK_BATCH = 10
/** Above the 256 KiB inline limit (shared/wire/task-messages.ts), so the input is stored as a block. */
const LARGE_INPUT_CHARS = 300_000
/** Distinct `ipfs_add` texts: pinned content must stay, so the set is bounded to keep the blockstore's share fixed. */
export const IPFS_VARIANTS = 100
const DATASET_ROWS = 10_000
/**
 * Calls each stream may have open at once. Every stream calls as the same anonymous
 * identity, which the relay lets hold 64 calls at once (limits.concurrentCalls): the
 * caps add up to 48, so a stall costs skipped starts (counted), not refused calls. The
 * query cap is the relay's sql.maxPerIdentity (2): a third statement would be refused.
 */
const IN_FLIGHT: Record<StreamKind, number> = { tasks: 8, largeTasks: 4, tools: 24, queries: 2, ipfs: 10 }

async function dispatch(client: Client, tool: string, params: Record<string, unknown>): Promise<any> {
  // The SDK's default request timeout (60 s) bounds every call. No options argument:
  // its position differs between SDK versions (the MCP layer is moving to the v2 packages).
  const result = await client.callTool({ name: 'tools_dispatch', arguments: { tool, params } })
  if (result.isError) {
    const code = (result._meta?.['mcpp/error'] as { code?: string } | undefined)?.code ?? 'error'
    const text = (result.content as { text?: string }[] | undefined)?.[0]?.text ?? ''
    throw new Error(`${tool}: ${code}: ${text.slice(0, 120)}`)
  }
  return (result.structuredContent as { result: unknown }).result
}

/** Succeeded tasks of a submit-with-wait answer; a task still running or failed is a failure of the call. */
function succeeded(out: { timedOut?: boolean; results: { state: string }[] }): number {
  const done = out.results.filter((r) => r.state === 'succeeded').length
  if (out.timedOut || done < out.results.length) {
    throw new Error(`p2p_taskqueue_submit: ${out.results.length - done} task(s) not succeeded`)
  }
  return done
}

const TEXT = 'A relay is a server that operators leave running, and a volunteer leaves a tab open for hours.'

/** What one call of each stream does; returns the tasks it saw succeed. */
const CALLS: Record<StreamKind, (client: Client, i: number) => Promise<number>> = {
  tasks: async (client, i) => {
    const tasks = Array.from({ length: TASK_BATCH }, (_, j) => ({
      kind: 'echo',
      input: { n: i * TASK_BATCH + j },
    }))
    return succeeded(await dispatch(client, 'p2p_taskqueue_submit', { tasks, wait: true }))
  },
  largeTasks: async (client, i) => {
    // A new prefix each time: a new block, which retention must collect once the task expires.
    const input = { n: i, pad: `${i}:${'x'.repeat(LARGE_INPUT_CHARS)}` }
    return succeeded(await dispatch(client, 'p2p_taskqueue_submit', { kind: 'echo', input, wait: true }))
  },
  tools: async (client, i) => {
    const text = `${TEXT} (${i})`
    if (i % 3 === 0) await dispatch(client, 'system_echo', { message: text })
    else if (i % 3 === 1) await dispatch(client, 'text_hash', { text })
    else await dispatch(client, 'text_count', { text })
    return 0
  },
  queries: async (client, i) => {
    await dispatch(client, 'dataset_query', {
      sql: `SELECT city, count(*) AS n, avg(amount) AS mean FROM soak WHERE id % 7 = ${i % 7} GROUP BY city ORDER BY city`,
    })
    return 0
  },
  ipfs: async (client, i) => {
    const v = i % IPFS_VARIANTS
    await dispatch(client, 'ipfs_add', { text: `soak content ${v}\n${TEXT.repeat(1 + (v % 10))}` })
    return 0
  },
}

/**
 * Writes a small CSV under the relay's file root and loads it as the dataset `soak`,
 * then makes one call of each stream: the first text_count loads its tokenizer, the
 * first query DuckDB's plan cache, the first ipfs_add Helia. Those are start-up costs
 * that happen once; the warm-up is there for the steady state the load settles into.
 */
export async function prepareLoad(relay: RelayChild): Promise<void> {
  const lines = ['id,city,amount']
  for (let id = 0; id < DATASET_ROWS; id++) lines.push(`${id},city${id % 20},${(id * 7919) % 10_000}`)
  const files = join(relay.dataDir, 'files')
  mkdirSync(files, { recursive: true })
  writeFileSync(join(files, 'soak.csv'), `${lines.join('\n')}\n`)
  const client = await connect(relay.endpoint)
  try {
    await dispatch(client, 'dataset_load', { name: 'soak', source: { path: 'soak.csv' } })
    for (const call of Object.values(CALLS)) for (let i = 0; i < 3; i++) await call(client, i)
  } finally {
    await client.close()
  }
}

/**
 * Runs every stream at its fixed rate, each on its own MCP session, until `signal`
 * aborts; resolves with every call once the last one has answered. `clock` gives the
 * seconds since the run started, the time base the samples share.
 */
export async function driveLoad(
  relay: RelayChild,
  rates: SoakRates,
  clock: () => number,
  signal: AbortSignal,
): Promise<LoadLog> {
  const log: LoadLog = { calls: [], skipped: new Map(), failures: new Map() }
  const kinds = (Object.keys(CALLS) as StreamKind[]).filter((k) => rates[k] > 0)
  const clients = await Promise.all(kinds.map(() => connect(relay.endpoint)))
  const record = async (kind: StreamKind, client: Client, i: number) => {
    const callStarted = performance.now()
    let tasks = 0
    let ok = true
    try {
      tasks = await CALLS[kind](client, i)
    } catch (err) {
      ok = false
      const message = (err as Error).message
      log.failures.set(message, (log.failures.get(message) ?? 0) + 1)
    }
    log.calls.push({ kind, at: clock(), ms: performance.now() - callStarted, ok, tasks })
  }
  try {
    // Large tasks and the others each offer `rate` per second; tasks go TASK_BATCH to a call.
    await Promise.all(
      kinds.map((kind, k) =>
        fixedRate(
          kind === 'tasks' ? rates.tasks / TASK_BATCH : rates[kind],
          (i) => record(kind, clients[k] as Client, i),
          signal,
          IN_FLIGHT[kind],
          () => log.skipped.set(kind, (log.skipped.get(kind) ?? 0) + 1),
        ),
      ),
    )
  } finally {
    await Promise.all(clients.map((c) => c.close()))
  }
  return log
}
