import { createHash } from 'node:crypto'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Client } from '@modelcontextprotocol/client'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import type { RunningRelay } from '../relay/relay.ts'
import { connectClient, errorMeta, startTestRelay } from './helpers.ts'

/** Never finishes on its own: a trillion rows to count. */
const RUNAWAY = 'SELECT count(*) AS n FROM range(1000000000000)'
const SALES_CSV = 'id,city,qty,price\n1,Oslo,3,2.5\n2,Lima,1,4.0\n3,Oslo,2,4.0\n'

const sha = (text: string) => createHash('sha256').update(text).digest('hex')

function policyFile(): string {
  const path = join(mkdtempSync(join(tmpdir(), 'mcpp-policy-')), 'policy.yaml')
  const allow = "    allow: ['category:dataset', 'category:analytics']"
  writeFileSync(
    path,
    [
      'identities:',
      '  alice:',
      `    tokenSha256: ${sha('alice-token')}`,
      allow,
      '  bob:',
      `    tokenSha256: ${sha('bob-token')}`,
      allow,
      'default:',
      "  allow: ['category:dataset']",
    ].join('\n'),
  )
  return path
}

function dispatch(client: Client, tool: string, params: Record<string, unknown>, signal?: AbortSignal) {
  return client.callTool({ name: 'tools_dispatch', arguments: { tool, params } }, signal ? { signal } : {})
}

async function rows(client: Client, sql: string): Promise<unknown[]> {
  const result = await dispatch(client, 'dataset_query', { sql })
  if (result.isError) throw new Error(JSON.stringify(result.content))
  return (result.structuredContent as any).result.rows
}

/** A value from the relay's /metrics, by name and labels, e.g. `mcpp_sql_statements{state="running"}`. */
async function metric(relay: RunningRelay, series: string): Promise<number> {
  const text = await (await fetch(`${relay.url}/metrics`)).text()
  const line = text.split('\n').find((l) => l.startsWith(`${series} `))
  // A labelled counter has no line until its first increment.
  return line === undefined ? 0 : Number(line.slice(series.length + 1))
}

const RUNNING = 'mcpp_sql_statements{state="running"}'

/**
 * Waits until the relay reports `n` running statements. Polling a gauge, bounded well
 * below the SQL time limit: reaching 0 in time proves an interrupt, not the timeout.
 */
function runningBecomes(relay: RunningRelay, n: number): Promise<void> {
  return vi.waitFor(
    async () => {
      expect(await metric(relay, RUNNING)).toBe(n)
    },
    { timeout: 10_000, interval: 20 },
  )
}

describe('SQL time limit', () => {
  let relay: RunningRelay
  let client: Client
  beforeAll(async () => {
    relay = await startTestRelay({ sql: { timeoutSeconds: 1 } })
    writeFileSync(join(relay.components.config.dataDir, 'files', 'sales.csv'), SALES_CSV)
    client = await connectClient(relay.url)
    const loaded = await dispatch(client, 'dataset_load', { name: 'sales', source: { path: 'sales.csv' } })
    expect(loaded.isError, JSON.stringify(loaded.content)).toBeFalsy()
  })
  afterAll(async () => {
    await client?.close()
    await relay?.close()
  })

  it('stops a runaway query with TIMEOUT after the configured limit, serving other calls meanwhile', async () => {
    const started = performance.now()
    const runaway = dispatch(client, 'dataset_query', { sql: RUNAWAY })
    await runningBecomes(relay, 1)
    // The runaway holds one slot; another dataset call still runs and answers.
    const head = await dispatch(client, 'dataset_head', { name: 'sales', n: 2 })
    expect((head.structuredContent as any).result.rows).toHaveLength(2)
    const result = await runaway
    const elapsed = performance.now() - started
    expect(errorMeta(result)).toMatchObject({ code: 'TIMEOUT', limit: 'sql.timeoutSeconds' })
    // The limit is 1 s: not before it, and (generously, on a loaded machine) not far after.
    expect(elapsed).toBeGreaterThanOrEqual(950)
    expect(elapsed).toBeLessThan(15_000)
    expect(await rows(client, 'SELECT 42 AS answer')).toEqual([{ answer: 42 }])
    expect(await metric(relay, 'mcpp_sql_refused_total{reason="timeout"}')).toBe(1)
    expect(await metric(relay, 'mcpp_sql_limit{limit="timeout_seconds"}')).toBe(1)
  })

  it('applies the limit to statements that save a dataset, leaving nothing behind', async () => {
    const result = await dispatch(client, 'dataset_query', { sql: RUNAWAY, saveAs: 'never' })
    expect(errorMeta(result).code).toBe('TIMEOUT')
    const info = await dispatch(client, 'dataset_info', { name: 'never' })
    expect(errorMeta(info).code).toBe('NOT_FOUND')
  })

  it('answers a pipeline with TIMEOUT at the limit even when DuckDB cannot stop at once, keeping its slot until it does', async () => {
    // One call of a quadratic scalar: DuckDB checks for interrupts only between vectors.
    const slow = "levenshtein(repeat('a', 40000), repeat('b', 40000))"
    const result = await dispatch(client, 'dataset_process', {
      name: 'sales',
      saveAs: 'slow',
      steps: [{ limit: 1 }, { derive: { column: 'd', sql: slow } }],
    })
    expect(errorMeta(result).code).toBe('TIMEOUT')
    expect(await metric(relay, 'mcpp_sql_statements{state="overdue"}')).toBe(1)
    expect(await metric(relay, RUNNING)).toBe(1)
    // The relay answers meanwhile, on the free slots.
    expect(await rows(client, 'SELECT 1 AS one')).toEqual([{ one: 1 }])
    await vi.waitFor(
      async () => {
        expect(await metric(relay, RUNNING)).toBe(0)
      },
      { timeout: 150_000, interval: 100 },
    )
    expect(await metric(relay, 'mcpp_sql_statements{state="overdue"}')).toBe(0)
  }, 180_000)
})

describe('SQL cancellation, concurrency and memory', () => {
  let relay: RunningRelay
  const clients: Client[] = []
  const connect = async (token?: string) => {
    const client = await connectClient(relay.url, token ? { authorization: `Bearer ${token}` } : {})
    clients.push(client)
    return client
  }
  beforeAll(async () => {
    relay = await startTestRelay({
      accessPolicy: policyFile(),
      // A time limit far beyond the waits below, so only an interrupt can free a slot in time.
      sql: { timeoutSeconds: 300, maxConcurrent: 3, maxPerIdentity: 2, memoryLimitMb: 64, tempLimitMb: 64 },
    })
    writeFileSync(join(relay.components.config.dataDir, 'files', 'sales.csv'), SALES_CSV)
    const alice = await connect('alice-token')
    const loaded = await dispatch(alice, 'dataset_load', { name: 'sales', source: { path: 'sales.csv' } })
    expect(loaded.isError, JSON.stringify(loaded.content)).toBeFalsy()
  })
  afterAll(async () => {
    for (const c of clients) await c.close().catch(() => {})
    await relay?.close()
  })

  it('interrupts a running query when its call is cancelled, freeing the identity for its next query', async () => {
    const alice = await connect('alice-token')
    const controller = new AbortController()
    // Two runaways: alice's whole share (sql.maxPerIdentity 2).
    const calls = [1, 2].map(() => dispatch(alice, 'dataset_query', { sql: RUNAWAY }, controller.signal))
    await runningBecomes(relay, 2)
    controller.abort('changed my mind')
    for (const call of calls) await expect(call).rejects.toThrow()
    await runningBecomes(relay, 0)
    expect(await rows(alice, 'SELECT count(*) AS n FROM sales')).toEqual([{ n: 3 }])
  })

  it('interrupts a running query when its client disconnects', async () => {
    const leaving = await connect('alice-token')
    const calls = [1, 2].map(() => dispatch(leaving, 'dataset_query', { sql: RUNAWAY }))
    await runningBecomes(relay, 2)
    // Closing the transport aborts the HTTP requests; it sends no cancellation and
    // does not end the session.
    await leaving.close()
    for (const call of calls) await expect(call).rejects.toThrow()
    await runningBecomes(relay, 0)
    const back = await connect('alice-token')
    expect(await rows(back, 'SELECT 7 AS n')).toEqual([{ n: 7 }])
  })

  it("refuses an identity's queries past its share with QUOTA_EXCEEDED while other identities get through", async () => {
    const alice = await connect('alice-token')
    const bob = await connect('bob-token')
    const anonymous = await connect()
    const bobServed = async () => {
      expect(await rows(bob, 'SELECT sum(qty) AS q FROM sales')).toEqual([{ q: 6 }])
      const info = await dispatch(bob, 'dataset_info', { name: 'sales' })
      expect((info.structuredContent as any).result.rows).toBe(3)
      const stats = await dispatch(bob, 'analytics_describe', { name: 'sales', columns: ['qty'] })
      expect((stats.structuredContent as any).result.columns[0].count).toBe(3)
    }
    const refusals = () => metric(relay, 'mcpp_sql_refused_total{reason="concurrency"}')
    const before = await refusals()

    // Alice's runaways take her whole share (2 of the 3 slots).
    const aliceStop = new AbortController()
    const held = [1, 2].map(() => dispatch(alice, 'dataset_query', { sql: RUNAWAY }, aliceStop.signal))
    await runningBecomes(relay, 2)
    const refused = await dispatch(alice, 'dataset_query', { sql: 'SELECT 1' })
    expect(errorMeta(refused)).toMatchObject({ code: 'QUOTA_EXCEEDED', limit: 'sql.maxPerIdentity' })
    await bobServed()
    aliceStop.abort()
    await Promise.allSettled(held)
    await runningBecomes(relay, 0)

    // Six runaways from anonymous callers (one shared bucket): two run, four are refused.
    const anonStop = new AbortController()
    const six = Array.from({ length: 6 }, () =>
      dispatch(anonymous, 'dataset_query', { sql: RUNAWAY }, anonStop.signal),
    )
    await runningBecomes(relay, 2)
    await vi.waitFor(async () => {
      expect(await refusals()).toBe(before + 5)
    })
    await bobServed()
    anonStop.abort()
    const settled = await Promise.allSettled(six)
    const codes = settled.map((s) => (s.status === 'fulfilled' ? errorMeta(s.value).code : 'cancelled'))
    expect(codes.filter((c) => c === 'QUOTA_EXCEEDED')).toHaveLength(4)
    await runningBecomes(relay, 0)
    expect(await rows(alice, 'SELECT 1 AS ok')).toEqual([{ ok: 1 }])
  })

  it('refuses a query that needs more memory than the limit, and runs one that fits', async () => {
    const bob = await connect('bob-token')
    const big = await dispatch(bob, 'dataset_query', {
      sql: 'SELECT len(list(range)) AS n FROM range(100000000)',
    })
    expect(errorMeta(big)).toMatchObject({ code: 'QUOTA_EXCEEDED', limit: 'sql.memoryLimitMb' })
    expect(await rows(bob, 'SELECT len(list(range)) AS n FROM range(1000)')).toEqual([{ n: 1000 }])
    expect(await metric(relay, 'mcpp_sql_limit{limit="memory_mb"}')).toBe(64)
  })
})

describe('derive expressions', () => {
  let relay: RunningRelay
  let client: Client
  beforeAll(async () => {
    relay = await startTestRelay()
    const files = join(relay.components.config.dataDir, 'files')
    writeFileSync(join(files, 'sales.csv'), SALES_CSV)
    writeFileSync(join(files, 'secrets.csv'), 'id,city,qty,price\n99,TOP-SECRET,0,0\n')
    client = await connectClient(relay.url)
    for (const name of ['sales', 'secrets']) {
      const loaded = await dispatch(client, 'dataset_load', { name, source: { path: `${name}.csv` } })
      expect(loaded.isError, JSON.stringify(loaded.content)).toBeFalsy()
    }
  })
  afterAll(async () => {
    await client?.close()
    await relay?.close()
  })

  const derive = (sql: string, saveAs = 'derived') =>
    dispatch(client, 'dataset_process', {
      name: 'sales',
      saveAs,
      replace: true,
      steps: [{ limit: 10 }, { derive: { column: 'x', sql } }],
    })

  it('runs a single expression, comments and window functions included', async () => {
    const ok = await derive('qty * price -- revenue')
    expect((ok.structuredContent as any).result.preview.map((r: any) => r.x)).toEqual([7.5, 4, 8])
    const ranked = await derive('row_number() OVER (ORDER BY id DESC)')
    const byId = (ranked.structuredContent as any).result.preview.map((r: any) => [r.id, r.x])
    expect(byId.sort()).toEqual([
      [1, 3],
      [2, 2],
      [3, 1],
    ])
  })

  it('refuses anything that is not exactly one expression, naming the step, and runs nothing', async () => {
    const attacks = [
      '1) UNION SELECT *, (99',
      '1) AS x FROM "sales" UNION ALL SELECT *, (1',
      '1) AS x FROM secrets --',
      '1); DROP TABLE sales; SELECT (1',
      '1; DROP TABLE sales',
      '(SELECT city FROM secrets)',
      'qty IN (SELECT qty FROM secrets)',
      'EXISTS (SELECT 1 FROM secrets)',
      '1 /* unterminated',
      '$1',
      'COLUMNS(*)',
      '1\u0000) UNION SELECT *, (99',
    ]
    for (const attack of attacks) {
      const result = await derive(attack, 'stolen')
      expect(errorMeta(result), attack).toMatchObject({
        code: 'INVALID_PARAMS',
        problems: [{ param: 'steps[1].derive.sql' }],
      })
    }
    const names = (await dispatch(client, 'dataset_list', {})).structuredContent as any
    expect(names.result.datasets.map((d: any) => d.name).sort()).toEqual(['derived', 'sales', 'secrets'])
    expect(await rows(client, 'SELECT count(*) AS n FROM sales')).toEqual([{ n: 3 }])
  })

  it('refuses SQL text with a NUL, which DuckDB would cut short unchecked', async () => {
    const result = await dispatch(client, 'dataset_query', { sql: 'SELECT 1 AS x\u0000; DROP TABLE sales' })
    expect(errorMeta(result).code).toBe('INVALID_PARAMS')
    expect(await rows(client, 'SELECT count(*) AS n FROM sales')).toEqual([{ n: 3 }])
  })
})
