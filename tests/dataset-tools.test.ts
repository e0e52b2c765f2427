import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { DuckDBInstance } from '@duckdb/node-api'
import { beforeAll, describe, expect, it } from 'vitest'
import { errorMeta, toolHarness } from './helpers.ts'

const h = toolHarness()
const { call, ok } = h
const files = () => join(h.relay.components.config.dataDir, 'files')

const SALES_CSV = [
  'id,city,product,qty,price',
  '1,Oslo,apple,3,2.5',
  '2,Lima,pear,1,4.0',
  '3,Oslo,pear,2,4.0',
  '4,Kyiv,apple,5,2.5',
  '5,Lima,apple,2,2.5',
  '6,Oslo,plum,7,1.0',
].join('\n')

/** A Parquet file written by DuckDB itself, independent of the tools under test. */
async function writeParquet(path: string, rows: number): Promise<void> {
  const db = await DuckDBInstance.create(':memory:')
  const c = await db.connect()
  await c.run(
    `COPY (SELECT range AS n, range % 3 AS grp, 'item ' || range AS label FROM range(${rows})) TO '${path}' (FORMAT parquet)`,
  )
  c.closeSync()
  db.closeSync()
}

describe('dataset tools', () => {
  beforeAll(async () => {
    writeFileSync(join(files(), 'sales.csv'), SALES_CSV)
    await ok('dataset_load', { name: 'sales', source: { path: 'sales.csv' } })
  })

  it('loads a CSV with typed columns, and reports schema and rows', async () => {
    const info = await ok('dataset_info', { name: 'sales' })
    expect(info.rows).toBe(6)
    expect(info.columns).toEqual([
      { name: 'id', type: 'BIGINT' },
      { name: 'city', type: 'VARCHAR' },
      { name: 'product', type: 'VARCHAR' },
      { name: 'qty', type: 'BIGINT' },
      { name: 'price', type: 'DOUBLE' },
    ])
    const head = await ok('dataset_head', { name: 'sales', n: 2 })
    expect(head.rows).toEqual([
      { id: 1, city: 'Oslo', product: 'apple', qty: 3, price: 2.5 },
      { id: 2, city: 'Lima', product: 'pear', qty: 1, price: 4 },
    ])
    expect((await ok('dataset_list', {})).datasets.map((d: any) => d.name)).toContain('sales')
  })

  it('loads JSON, JSON Lines and Parquet, by path and by CID', async () => {
    writeFileSync(
      join(files(), 'a.json'),
      JSON.stringify([
        { k: 'x', v: 1 },
        { k: 'y', v: 2 },
      ]),
    )
    writeFileSync(join(files(), 'b.jsonl'), '{"k":"x","v":1}\n{"k":"z","v":3}\n{"k":"w","v":4}\n')
    await writeParquet(join(files(), 'n.parquet'), 1000)
    expect(await ok('dataset_load', { name: 'j', source: { path: 'a.json' } })).toMatchObject({
      rows: 2,
      format: 'json',
    })
    expect(await ok('dataset_load', { name: 'jl', source: { path: 'b.jsonl' } })).toMatchObject({
      rows: 3,
      format: 'jsonl',
    })
    expect(await ok('dataset_load', { name: 'pq', source: { path: 'n.parquet' } })).toMatchObject({
      rows: 1000,
      format: 'parquet',
    })
    const { cid } = await ok('ipfs_add', { path: 'n.parquet' })
    // No name, no format: the bytes tell it is Parquet.
    const fromCid = await ok('dataset_load', { name: 'pq_cid', source: { cid } })
    expect(fromCid).toMatchObject({ rows: 1000, format: 'parquet' })
    const sum = await ok('dataset_query', { sql: 'SELECT sum(n) AS s, count(DISTINCT grp) AS g FROM pq_cid' })
    expect(sum.rows).toEqual([{ s: 499500, g: 3 }])
  })

  it('answers SQL over datasets, caps rows, and can save the result', async () => {
    const out = await ok('dataset_query', {
      sql: 'SELECT city, sum(qty * price) AS revenue FROM sales GROUP BY city ORDER BY revenue DESC;',
    })
    expect(out.rows).toEqual([
      { city: 'Oslo', revenue: 22.5 },
      { city: 'Kyiv', revenue: 12.5 },
      { city: 'Lima', revenue: 9 },
    ])
    expect(out.truncated).toBe(false)
    const commented = await ok('dataset_query', { sql: 'SELECT count(*) AS n FROM sales -- every row' })
    expect(commented.rows).toEqual([{ n: 6 }])
    const capped = await ok('dataset_query', { sql: 'SELECT * FROM sales', limit: 4, saveAs: 'sales_copy' })
    expect(capped.rows).toHaveLength(4)
    expect(capped.truncated).toBe(true)
    expect(capped.saved).toMatchObject({ name: 'sales_copy', rows: 6 })
  })

  it('runs a declarative pipeline into a new dataset', async () => {
    const out = await ok('dataset_process', {
      name: 'sales',
      saveAs: 'big_orders',
      steps: [
        { filter: { column: 'qty', op: 'ge', value: 2 } },
        { derive: { column: 'total', sql: 'qty * price' } },
        { rename: { city: 'town' } },
        { dedupe: { columns: ['town'] } },
        { sort: [{ column: 'total', descending: true }] },
        { select: ['town', 'total'] },
        { limit: 2 },
      ],
    })
    expect(out).toMatchObject({ name: 'big_orders', rows: 2 })
    expect(out.columns.map((c: any) => c.name)).toEqual(['town', 'total'])
    // One row per town; the two largest totals among them.
    expect(out.preview.length).toBe(2)
    expect(out.preview[0].total).toBeGreaterThanOrEqual(out.preview[1].total)
    const filtered = await ok('dataset_process', {
      name: 'sales',
      saveAs: 'oslo_apples',
      steps: [
        { filter: { column: 'city', op: 'in', value: ['Oslo'] } },
        { filter: { column: 'product', op: 'starts_with', value: 'ap' } },
      ],
    })
    expect(filtered.preview).toEqual([{ id: 1, city: 'Oslo', product: 'apple', qty: 3, price: 2.5 }])
  })

  it('splits train/test by ratio, disjoint, the same for the same seed', async () => {
    const a = await ok('dataset_split', { name: 'pq', trainRatio: 0.8, seed: 7 })
    expect(a.train.rows).toBe(800)
    expect(a.test.rows).toBe(200)
    const overlap = await ok('dataset_query', {
      sql: 'SELECT count(*) AS c FROM pq_train JOIN pq_test USING (n)',
    })
    expect(overlap.rows).toEqual([{ c: 0 }])
    const firstIds = (await ok('dataset_head', { name: 'pq_test', n: 5 })).rows.map((r: any) => r.n)
    await ok('dataset_split', { name: 'pq', trainRatio: 0.8, seed: 7, replace: true })
    expect((await ok('dataset_head', { name: 'pq_test', n: 5 })).rows.map((r: any) => r.n)).toEqual(firstIds)
    await ok('dataset_split', {
      name: 'pq',
      trainRatio: 0.8,
      seed: 8,
      testName: 'other_test',
      trainName: 'other_train',
    })
    expect((await ok('dataset_head', { name: 'other_test', n: 5 })).rows.map((r: any) => r.n)).not.toEqual(
      firstIds,
    )
  })

  it('samples reproducibly by seed', async () => {
    const one = await ok('dataset_sample', { name: 'pq', n: 5, seed: 3 })
    const two = await ok('dataset_sample', { name: 'pq', n: 5, seed: 3 })
    expect(one.rows).toHaveLength(5)
    expect(two.rows).toEqual(one.rows)
  })

  it('saves in every format to a path and to IPFS, and the files read back', async () => {
    for (const format of ['csv', 'json', 'jsonl', 'parquet']) {
      const out = await ok('dataset_save', { name: 'sales', target: { path: `out/sales.${format}` } })
      expect(out).toMatchObject({ format, rows: 6, path: `out/sales.${format}` })
      const back = await ok('dataset_load', {
        name: `back_${format}`,
        source: { path: `out/sales.${format}` },
      })
      expect(back.rows).toBe(6)
    }
    expect(readFileSync(join(files(), 'out', 'sales.csv'), 'utf8').split('\n')[0]).toBe(
      'id,city,product,qty,price',
    )
    const viaIpfs = await ok('dataset_save', { name: 'sales', target: { ipfs: true, format: 'jsonl' } })
    expect(viaIpfs.cid).toMatch(/^baf/)
    const cat = await ok('ipfs_cat', { cid: viaIpfs.cid })
    expect(
      cat.content
        .trim()
        .split('\n')
        .map((l: string) => JSON.parse(l).id),
    ).toEqual([1, 2, 3, 4, 5, 6])
  })

  it('drops a dataset', async () => {
    await ok('dataset_query', { sql: 'SELECT 1 AS x', saveAs: 'tmp_one' })
    expect(await ok('dataset_drop', { name: 'tmp_one' })).toEqual({ dropped: 'tmp_one' })
    expect(errorMeta(await call('dataset_info', { name: 'tmp_one' })).code).toBe('NOT_FOUND')
  })
})

describe('dataset tools: bad input', () => {
  it('names bad parameters', async () => {
    expect(
      errorMeta(await call('dataset_load', { name: '1bad', source: { path: 'x.csv' } })).problems[0].param,
    ).toBe('name')
    const both = errorMeta(await call('dataset_load', { name: 'x', source: { path: 'a', cid: 'b' } }))
    expect(both.problems[0].param).toBe('source.path')
    expect(errorMeta(await call('dataset_head', { name: 'missing' })).code).toBe('NOT_FOUND')
  })

  it('refuses paths outside the roots, unknown CIDs, and existing names', async () => {
    expect(errorMeta(await call('dataset_load', { name: 'x', source: { path: '/etc/passwd' } })).code).toBe(
      'INVALID_PARAMS',
    )
    const unknown = 'bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy'
    expect(errorMeta(await call('dataset_load', { name: 'x', source: { cid: unknown } })).code).toBe(
      'NOT_FOUND',
    )
    expect(errorMeta(await call('dataset_load', { name: 'sales', source: { path: 'sales.csv' } })).code).toBe(
      'CONFLICT',
    )
  })

  it('reports corrupt CSV and Parquet files as bad data', async () => {
    writeFileSync(join(files(), 'broken.csv'), 'a,b\n1,2\n3,4,5,6\n"unterminated\n')
    const csv = await call('dataset_load', { name: 'broken_csv', source: { path: 'broken.csv' } })
    expect(csv.isError).toBe(true)
    expect(errorMeta(csv).code).toBe('BAD_DATA')
    writeFileSync(join(files(), 'broken.parquet'), Buffer.from('PAR1 this is not really parquet'))
    const pq = await call('dataset_load', { name: 'broken_pq', source: { path: 'broken.parquet' } })
    expect(errorMeta(pq).code).toBe('BAD_DATA')
    expect(errorMeta(await call('dataset_info', { name: 'broken_pq' })).code).toBe('NOT_FOUND')
  })

  it('keeps SQL to one read-only query inside the sandbox', async () => {
    const syntax = await call('dataset_query', { sql: 'SELEC city FROM sales' })
    expect(errorMeta(syntax).code).toBe('INVALID_PARAMS')
    expect(JSON.stringify(syntax.content)).toMatch(/syntax error/i)
    expect(errorMeta(await call('dataset_query', { sql: 'DROP TABLE sales' })).problems[0].param).toBe('sql')
    expect(errorMeta(await call('dataset_query', { sql: 'SELECT 1; DROP TABLE sales' })).code).toBe(
      'INVALID_PARAMS',
    )
    expect(
      errorMeta(await call('dataset_query', { sql: "SELECT * FROM read_text('/etc/passwd')" })).code,
    ).toBe('FORBIDDEN')
    // A lone comment failed inside DuckDB's native splitter (found by the fuzz suite).
    expect(errorMeta(await call('dataset_query', { sql: '--' })).code).toBe('INVALID_PARAMS')
    const sneaky = await call('dataset_process', {
      name: 'sales',
      saveAs: 'x',
      steps: [{ derive: { column: 'y', sql: '1) AS z FROM sales; DROP TABLE sales; SELECT (1' } }],
    })
    expect(sneaky.isError).toBe(true)
    expect((await ok('dataset_info', { name: 'sales' })).rows).toBe(6)
  })

  it('leaves nothing partial behind when a save fails', async () => {
    mkdirSync(join(files(), 'occupied', 'sales.csv'), { recursive: true })
    const failed = await call('dataset_save', { name: 'sales', target: { path: 'occupied/sales.csv' } })
    expect(failed.isError).toBe(true)
    expect(readdirSync(join(files(), 'occupied'))).toEqual(['sales.csv'])
  })
})
