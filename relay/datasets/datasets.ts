import { randomUUID } from 'node:crypto'
import { statSync } from 'node:fs'
import { open, rm } from 'node:fs/promises'
import { join } from 'node:path'
import {
  type CsvOptions,
  copySql,
  type DataFormat,
  formatFromPath,
  readerSql,
  sniffFormat,
} from '../../shared/data/formats.ts'
import { sqlIdent } from '../../shared/data/sql-text.ts'
import { McppError } from '../../shared/errors.ts'
import type { LifecyclePart } from '../../shared/startable.ts'
import { writeAtomically } from '../files/atomic-write.ts'
import { confinePath } from '../files/confine-path.ts'
import { existingFile } from '../files/existing-path.ts'
import { addFile, catToFile } from '../tools/ipfs/content-io.ts'
import type { IpfsDeps } from '../tools/ipfs/ipfs-deps.ts'
import { type Column, type DuckEngine, type SqlCall, signalOf } from './duck-engine.ts'

/** Where tabular data comes from: a file under the roots or a CID in this relay's blockstore. */
export interface DataSource extends CsvOptions {
  path?: string | undefined
  cid?: string | undefined
  format?: DataFormat | undefined
}

/** Where rows go: a file under the roots, or IPFS (the file is added and pinned). */
export type DataTarget = { format: DataFormat } & ({ path: string } | { ipfs: true })

export interface DatasetInfo {
  name: string
  rows: number
  columns: Column[]
}

export interface Written {
  format: DataFormat
  bytes: number
  path?: string
  cid?: string
}

/**
 * Named tabular datasets: tables in the relay's DuckDB database file, loaded from
 * CSV, JSON, JSON Lines or Parquet by path or CID, and written back the same ways.
 * Every method takes the call (a tool's context, or its signal) so that each statement
 * counts against the caller's SQL limits and stops when the call does; statements run
 * one after another, so a call holds at most one SQL slot at a time.
 */
export class Datasets implements LifecyclePart {
  readonly name = 'datasets'
  readonly engine: DuckEngine
  readonly roots: readonly string[]
  private readonly ipfs: IpfsDeps

  constructor(engine: DuckEngine, roots: readonly string[], ipfs: IpfsDeps) {
    this.engine = engine
    this.roots = roots
    this.ipfs = ipfs
  }

  /** The DuckDB file opens on first use (a relay that never touches data does not carry it). */
  start(): void {
    this.engine.start()
  }

  stop(): Promise<void> {
    return this.engine.stop()
  }

  async names(call?: SqlCall): Promise<string[]> {
    const { rows } = await this.engine.read(
      "SELECT table_name AS name FROM duckdb_tables() WHERE schema_name = 'main' AND database_name = current_database() ORDER BY table_name",
      [],
      call,
    )
    return rows.map((r) => r.name as string)
  }

  async exists(name: string, call?: SqlCall): Promise<boolean> {
    return (await this.names(call)).includes(name)
  }

  /** Fails with NOT_FOUND (listing what exists) unless the dataset exists. */
  async require(name: string, param = 'name', call?: SqlCall): Promise<void> {
    const names = await this.names(call)
    if (!names.includes(name)) {
      throw new McppError(
        'NOT_FOUND',
        `${param}: no dataset "${name}"; datasets: ${names.join(', ') || 'none'}`,
      )
    }
  }

  async info(name: string, call?: SqlCall): Promise<DatasetInfo> {
    await this.require(name, 'name', call)
    const count = await this.engine.read(`SELECT count(*) AS n FROM ${sqlIdent(name)}`, [], call)
    const columns = await this.engine.read(
      "SELECT column_name AS name, data_type AS type FROM duckdb_columns() WHERE schema_name = 'main' AND table_name = $1 ORDER BY column_index",
      [name],
      call,
    )
    return { name, rows: Number(count.rows[0]?.n ?? 0), columns: columns.rows as unknown as Column[] }
  }

  /** Creates (or with `replace`, replaces) a dataset from a query's rows. */
  async create(
    name: string,
    query: string,
    options: { params?: unknown[]; replace?: boolean; call?: SqlCall } = {},
  ): Promise<DatasetInfo> {
    const { call } = options
    if (!options.replace && (await this.exists(name, call))) {
      throw new McppError('CONFLICT', `dataset "${name}" exists (pass replace: true to overwrite it)`)
    }
    await this.engine.run(`CREATE OR REPLACE TABLE ${sqlIdent(name)} AS ${query}`, options.params, call)
    return this.info(name, call)
  }

  async drop(name: string, call?: SqlCall): Promise<void> {
    await this.require(name, 'name', call)
    await this.engine.run(`DROP TABLE ${sqlIdent(name)}`, [], call)
  }

  /**
   * Runs `fn` with the SQL table function that reads `source`: a confined path, or a
   * CID fetched into the scratch folder (removed afterwards). The format comes from
   * the parameter, the file name, or the first bytes. Unreadable data is BAD_DATA.
   */
  async withSource<T>(
    source: DataSource,
    fn: (reader: string, format: DataFormat) => Promise<T>,
    call?: SqlCall,
  ): Promise<T> {
    const signal = signalOf(call)
    let path: string
    let scratch: string | undefined
    if (source.path !== undefined) {
      path = existingFile(source.path, this.roots)
    } else if (source.cid !== undefined) {
      scratch = join(this.engine.tmpDir, `${randomUUID()}.${source.format ?? 'data'}`)
      path = scratch
      await catToFile(this.ipfs, source.cid, scratch, { signal, param: 'cid' })
    } else {
      throw new McppError('INVALID_PARAMS', 'give a path or a cid', {
        problems: [{ param: 'path', problem: 'missing' }],
      })
    }
    try {
      const format = source.format ?? formatFromPath(source.path ?? '') ?? (await sniffFile(path))
      if (format === undefined) {
        throw new McppError(
          'BAD_DATA',
          `${source.path ?? source.cid} is not CSV, JSON, JSON Lines or Parquet`,
        )
      }
      // A .csv file is comma-separated and a .tsv tab-separated unless told otherwise,
      // so a broken file is an error rather than one column of raw lines.
      const ext = /\.(csv|tsv)$/i.exec(source.path ?? '')?.[1]?.toLowerCase()
      const delimiter = source.delimiter ?? (ext === 'tsv' ? '\t' : ext === 'csv' ? ',' : undefined)
      try {
        return await fn(readerSql(path, format, { ...source, delimiter }), format)
      } catch (err) {
        // The engine calls unreadable input invalid; here it is the data that is bad.
        if (err instanceof McppError && err.code === 'INVALID_PARAMS' && err.details?.engine) {
          throw new McppError('BAD_DATA', `${source.path ?? source.cid} (${format}): ${err.message}`)
        }
        throw err
      }
    } finally {
      if (scratch) await rm(scratch, { force: true })
    }
  }

  /** Writes a query's rows to a file (atomically: nothing partial is left) or to IPFS. */
  async write(query: string, target: DataTarget, call?: SqlCall): Promise<Written> {
    const signal = signalOf(call)
    if ('path' in target) {
      const path = confinePath(target.path, this.roots)
      await writeAtomically(path, (tmp) =>
        this.engine.run(copySql(query, tmp, target.format), undefined, call),
      )
      return { format: target.format, bytes: statSync(path).size, path: target.path }
    }
    const scratch = join(this.engine.tmpDir, `${randomUUID()}.${target.format}`)
    try {
      await this.engine.run(copySql(query, scratch, target.format), undefined, call)
      const { cid, size } = await addFile(this.ipfs, scratch, { signal })
      return { format: target.format, bytes: size, cid }
    } finally {
      await rm(scratch, { force: true })
    }
  }
}

/**
 * The named columns of a dataset (all of them when none are named), refusing unknown
 * names with INVALID_PARAMS naming `param`, so every tool words this the same way.
 */
export function pickColumns(
  info: DatasetInfo,
  wanted: readonly string[] | undefined,
  param: string,
): Column[] {
  if (wanted === undefined) return info.columns
  const missing = wanted.filter((w) => !info.columns.some((c) => c.name === w))
  if (missing.length > 0) {
    throw new McppError(
      'INVALID_PARAMS',
      `${param}: no column ${missing.map((m) => `"${m}"`).join(', ')} in "${info.name}"; columns: ${info.columns.map((c) => c.name).join(', ')}`,
      { problems: [{ param, problem: 'unknown column' }] },
    )
  }
  return wanted.map((w) => info.columns.find((c) => c.name === w) as Column)
}

async function sniffFile(path: string): Promise<DataFormat | undefined> {
  const file = await open(path, 'r')
  try {
    const head = new Uint8Array(4096)
    const { bytesRead } = await file.read(head, 0, head.length, 0)
    return sniffFormat(head.subarray(0, bytesRead))
  } finally {
    await file.close()
  }
}
