import { randomBytes } from 'node:crypto'
import { copyFileSync, mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { DuckDBInstance } from '@duckdb/node-api'
import type { Client } from '@modelcontextprotocol/client'
import type { BenchSection } from '../context.ts'
import { connect, percentile } from '../load.ts'
import { startRelayChild } from '../relay-child.ts'
import type { Row } from '../table.ts'

const ROWS = 1_000_000
const RUNS = 5
const IPFS_MB = 100
const MB = 1024 * 1024

async function dispatch(client: Client, tool: string, params: Record<string, unknown>): Promise<any> {
  const result = await client.callTool(
    { name: 'tools_dispatch', arguments: { tool, params } },
    {
      timeout: 600_000,
    },
  )
  if (result.isError) throw new Error(`${tool}: ${JSON.stringify(result.content)}`)
  return (result.structuredContent as any).result
}

async function medianMs(runs: number, fn: () => Promise<unknown>): Promise<number> {
  await fn()
  const times: number[] = []
  for (let i = 0; i < runs; i++) {
    const started = performance.now()
    await fn()
    times.push(performance.now() - started)
  }
  return percentile(
    times.sort((a, b) => a - b),
    50,
  )
}

const aggregate = (from: string) =>
  `SELECT city, count(*) AS n, avg(amount) AS mean, sum(amount) AS total, max(ts) AS latest FROM ${from} GROUP BY city ORDER BY city`

/**
 * The data tools on the relay as `npm start` runs it, driven over MCP: an aggregate
 * over a 1,000,000-row Parquet file (baseline: the same SQL in DuckDB in this process)
 * and adding a 100 MB file to IPFS (baseline: copying the file).
 */
export const dataToolsBench: BenchSection = {
  name: 'data',
  async run(ctx) {
    const relay = await startRelayChild()
    const client = await connect(relay.endpoint)
    const files = join(relay.dataDir, 'files')
    mkdirSync(files, { recursive: true })
    const parquet = join(files, 'sales.parquet')
    const rows: Row[] = []
    const section = 'data'
    try {
      ctx.progress(`data: writing a ${ROWS.toLocaleString('en-US')}-row Parquet file`)
      const db = await DuckDBInstance.create(':memory:')
      const local = await db.connect()
      await local.run(
        `COPY (SELECT range AS id, 'city' || (range % 50) AS city, (range * 7919 % 10000) / 100.0 AS amount,
           TIMESTAMP '2026-01-01' + to_seconds(range) AS ts FROM range(${ROWS})) TO '${parquet}' (FORMAT parquet)`,
      )
      ctx.progress('data: SQL aggregate over the Parquet file, via MCP and in-process')
      const inProcess = await medianMs(RUNS, () =>
        local.runAndReadAll(aggregate(`read_parquet('${parquet}')`)),
      )
      const overFile = await medianMs(RUNS, () =>
        dispatch(client, 'dataset_query', { sql: aggregate(`read_parquet('${parquet}')`) }),
      )
      const loaded = performance.now()
      await dispatch(client, 'dataset_load', { name: 'sales', source: { path: 'sales.parquet' } })
      const loadMs = performance.now() - loaded
      const overDataset = await medianMs(RUNS, () =>
        dispatch(client, 'dataset_query', { sql: aggregate('sales') }),
      )
      local.closeSync()
      db.closeSync()
      rows.push(
        {
          section,
          metric: 'SQL aggregate, 1M-row Parquet, via MCP (p50)',
          value: overFile,
          baseline: inProcess,
          unit: 'ms',
        },
        {
          section,
          metric: 'same aggregate over the loaded dataset (p50)',
          value: overDataset,
          baseline: inProcess,
          unit: 'ms',
        },
        { section, metric: 'dataset_load of the 1M-row Parquet file', value: loadMs, unit: 'ms' },
      )

      ctx.progress(`data: adding a ${IPFS_MB} MB file to IPFS, and copying it`)
      const big = join(files, 'big.bin')
      writeFileSync(big, randomBytes(IPFS_MB * MB))
      await dispatch(client, 'ipfs_add', { text: 'warm up Helia' })
      const copied = performance.now()
      copyFileSync(big, join(files, 'big-copy.bin'))
      const copySeconds = (performance.now() - copied) / 1000
      rmSync(join(files, 'big-copy.bin'))
      const added = performance.now()
      const out = await dispatch(client, 'ipfs_add', { path: 'big.bin' })
      const addSeconds = (performance.now() - added) / 1000
      if (out.size < IPFS_MB * MB) throw new Error(`ipfs_add stored ${out.size} bytes`)
      const mb = statSync(big).size / MB
      rows.push({
        section,
        metric: `ipfs_add of a ${IPFS_MB} MB file (throughput)`,
        value: mb / addSeconds,
        baseline: mb / copySeconds,
        unit: 'MB/s',
      })
      return rows
    } finally {
      await client.close()
      await relay.stop()
    }
  },
}
