import { mkdirSync } from 'node:fs'
import type { DuckDBConnection, DuckDBInstance, DuckDBResultReader } from '@duckdb/node-api'
import { sqlString } from '../../shared/data/sql-text.ts'
import { McppError } from '../../shared/errors.ts'

export interface DuckEngineOptions {
  /** The database file (datasets persist across restarts). */
  file: string
  /** The only folders SQL may read or write (file roots and the engine's scratch folder). */
  allowedDirs: readonly string[]
  /** Scratch folder for spilling and for files fetched from IPFS. */
  tmpDir: string
  threads?: number
  memoryLimit?: string
}

export type Row = Record<string, unknown>
export interface Column {
  name: string
  type: string
}
export interface ReadResult {
  columns: Column[]
  rows: Row[]
}

const INTEGER_TYPES = new Set(['BIGINT', 'UBIGINT', 'HUGEINT', 'UHUGEINT'])

/**
 * The embedded analytical engine (DuckDB) behind the dataset, analytics and file
 * tools, opened on first use (so a relay that never touches data does not carry it).
 * SQL runs sandboxed: file access only inside `allowedDirs`, no extension installs,
 * and the configuration is locked, so a query cannot widen its own permissions.
 */
export class DuckEngine {
  private readonly options: DuckEngineOptions
  private instance: Promise<DuckDBInstance> | undefined

  constructor(options: DuckEngineOptions) {
    this.options = options
  }

  get tmpDir(): string {
    return this.options.tmpDir
  }

  private open(): Promise<DuckDBInstance> {
    this.instance ??= (async () => {
      mkdirSync(this.options.tmpDir, { recursive: true })
      const { DuckDBInstance } = await import('@duckdb/node-api')
      const instance = await DuckDBInstance.create(this.options.file, {
        threads: String(this.options.threads ?? 2),
        memory_limit: this.options.memoryLimit ?? '1GB',
        autoinstall_known_extensions: 'false',
        temp_directory: this.options.tmpDir,
      })
      const setup = await instance.connect()
      const dirs = this.options.allowedDirs.map((d) => sqlString(d.endsWith('/') ? d : `${d}/`))
      await setup.run(`SET allowed_directories = [${dirs.join(', ')}]`)
      await setup.run('SET enable_external_access = false')
      await setup.run('SET lock_configuration = true')
      setup.closeSync()
      return instance
    })()
    return this.instance
  }

  /**
   * Runs `fn` on a connection of its own (connections run one statement at a time);
   * aborting `signal` interrupts the running statement.
   */
  async with<T>(fn: (connection: DuckDBConnection) => Promise<T>, signal?: AbortSignal): Promise<T> {
    const connection = await (await this.open()).connect()
    const interrupt = () => connection.interrupt()
    signal?.addEventListener('abort', interrupt, { once: true })
    try {
      signal?.throwIfAborted()
      return await fn(connection)
    } catch (err) {
      throw signal?.aborted ? signal.reason : engineError(err)
    } finally {
      signal?.removeEventListener('abort', interrupt)
      connection.closeSync()
    }
  }

  run(sql: string, params?: unknown[], signal?: AbortSignal): Promise<void> {
    return this.with(async (c) => {
      await c.run(sql, params as never)
    }, signal)
  }

  read(sql: string, params?: unknown[], signal?: AbortSignal): Promise<ReadResult> {
    return this.with(async (c) => toResult(await c.runAndReadAll(sql, params as never)), signal)
  }

  /**
   * Checks that `sql` is exactly one read-only statement (a query), so tools that
   * take SQL from a caller cannot change or drop anything.
   */
  async assertQuery(sql: string, param = 'sql'): Promise<void> {
    await this.with(async (c) => {
      const statements = await c.extractStatements(sql)
      if (statements.count !== 1) {
        throw new McppError(
          'INVALID_PARAMS',
          `${param}: give exactly one statement (found ${statements.count})`,
          {
            problems: [{ param, problem: 'not exactly one statement' }],
          },
        )
      }
      const prepared = await statements.prepare(0)
      const { StatementType } = await import('@duckdb/node-api')
      if (prepared.statementType !== StatementType.SELECT) {
        throw new McppError('INVALID_PARAMS', `${param}: only queries (SELECT, WITH …) are allowed here`, {
          problems: [{ param, problem: 'not a query' }],
        })
      }
    })
  }

  async close(): Promise<void> {
    const instance = this.instance
    this.instance = undefined
    if (instance) (await instance.catch(() => undefined))?.closeSync()
  }
}

function toResult(result: DuckDBResultReader): ReadResult {
  const names = result.deduplicatedColumnNames()
  const types = result.columnTypes().map((t) => t.toString())
  const rows = result.getRowObjectsJson() as Row[]
  const integers = names.filter((_, i) => INTEGER_TYPES.has(types[i] as string))
  // BIGINT arrives as a string in JSON form; a safe integer becomes a number again.
  if (integers.length > 0) {
    for (const row of rows) {
      for (const name of integers) {
        const value = row[name]
        if (typeof value === 'string' && Number.isSafeInteger(Number(value))) row[name] = Number(value)
      }
    }
  }
  return { columns: names.map((name, i) => ({ name, type: types[i] as string })), rows }
}

/** DuckDB's errors, as tool errors: parse and binder errors name the SQL, I/O errors the data. */
function engineError(err: unknown): unknown {
  if (err instanceof McppError || !(err instanceof Error)) return err
  const message = (err.message.split('\n')[0] ?? err.message).replace(/^Failed to extract statements: /, '')
  const kind = /^([A-Za-z ]+?) Error:/.exec(message)?.[1] ?? ''
  const code = ['Parser', 'Binder', 'Catalog', 'Conversion', 'Invalid Input', 'Not implemented'].includes(
    kind,
  )
    ? 'INVALID_PARAMS'
    : kind === 'Permission'
      ? 'FORBIDDEN'
      : ['IO', 'Invalid', 'Serialization'].includes(kind)
        ? 'BAD_DATA'
        : 'INTERNAL'
  return new McppError(code, message, { engine: 'duckdb' })
}
