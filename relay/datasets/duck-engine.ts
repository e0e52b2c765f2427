import { mkdirSync } from 'node:fs'
import type { DuckDBConnection, DuckDBInstance, DuckDBPreparedStatement } from '@duckdb/node-api'
import type { Registry } from 'prom-client'
import { FairSlots } from '../../shared/data/fair-slots.ts'
import { checkExpressionTree, expressionProbe } from '../../shared/data/sql-expression.ts'
import { sqlString } from '../../shared/data/sql-text.ts'
import { McppError } from '../../shared/errors.ts'
import type { Startable } from '../../shared/startable.ts'
import { raceAbort } from '../router/race-abort.ts'
import { engineError, type ReadResult, toResult } from './duck-results.ts'
import { callOf, type SqlCall } from './sql-call.ts'
import { DEFAULT_SQL_LIMITS, type SqlLimits } from './sql-limits.ts'
import { type SqlMetrics, type SqlStats, sqlMetrics } from './sql-metrics.ts'

export type { Column, ReadResult, Row } from './duck-results.ts'
export { type SqlCall, signalOf } from './sql-call.ts'

export interface DuckEngineOptions {
  /** The database file (datasets persist across restarts). */
  file: string
  /** The only folders SQL may read or write (file roots and the engine's scratch folder). */
  allowedDirs: readonly string[]
  /** Scratch folder for spilling and for files fetched from IPFS. */
  tmpDir: string
  limits?: Partial<SqlLimits>
  /** Where the limits and slot gauges are published (the relay's /metrics). */
  registry?: Registry
}

/**
 * The embedded analytical engine (DuckDB) behind the dataset, analytics and file
 * tools, opened on first use (so a relay that never touches data does not carry it).
 * SQL runs sandboxed: file access only inside `allowedDirs`, no extension installs,
 * and the configuration is locked, so a query cannot widen its own permissions.
 *
 * Every statement runs under the `sql` limits (issue 9): one statement per call (text
 * after it is refused, not run), a time limit, the engine's memory and spill limits, a
 * fair share of the slots (FairSlots, per identity), and an interrupt as soon as its
 * call is cancelled, its client leaves or its time is up.
 */
export class DuckEngine implements Startable {
  private readonly options: DuckEngineOptions
  readonly limits: SqlLimits
  private readonly slots: FairSlots
  private readonly metrics: SqlMetrics | undefined
  private instance: Promise<DuckDBInstance> | undefined
  private overdueCount = 0
  private stopped = false

  constructor(options: DuckEngineOptions) {
    this.options = options
    this.limits = { ...DEFAULT_SQL_LIMITS, ...options.limits }
    this.slots = new FairSlots({
      maxRunning: this.limits.maxConcurrent,
      maxPerKey: this.limits.maxPerIdentity,
    })
    this.metrics = options.registry && sqlMetrics(options.registry, this.limits, () => this.stats())
  }

  /** Statements running, waiting for a slot, and overdue (answered, not yet stopped by DuckDB). */
  stats(): SqlStats {
    return { running: this.slots.running, waiting: this.slots.waiting, overdue: this.overdueCount }
  }

  get tmpDir(): string {
    return this.options.tmpDir
  }

  /** Opens nothing: the database is opened by the first statement. */
  start(): void {}

  /** Closes the database; a statement after this fails with SHUTTING_DOWN instead of reopening it. */
  async stop(): Promise<void> {
    this.stopped = true
    const instance = this.instance
    this.instance = undefined
    if (instance) (await instance.catch(() => undefined))?.closeSync()
  }

  private open(): Promise<DuckDBInstance> {
    if (this.stopped) {
      return Promise.reject(
        new McppError('SHUTTING_DOWN', 'the dataset engine is stopped: the relay is stopping'),
      )
    }
    if (this.instance !== undefined) return this.instance
    const opening = (async () => {
      mkdirSync(this.options.tmpDir, { recursive: true })
      const { DuckDBInstance } = await import('@duckdb/node-api')
      const instance = await DuckDBInstance.create(this.options.file, {
        threads: String(this.limits.threads),
        memory_limit: `${this.limits.memoryLimitMb}MiB`,
        max_temp_directory_size: `${this.limits.tempLimitMb}MiB`,
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
    // A failed open (a full disk, say) is tried again by the next statement, not kept.
    opening.catch(() => {
      if (this.instance === opening) this.instance = undefined
    })
    this.instance = opening
    return opening
  }

  /**
   * DuckDB stops using a database after a fatal error, such as a checkpoint that could
   * not write its file on a full disk: every later statement fails with "database has
   * been invalidated" until it is opened again (issue 16). The next statement then opens
   * it anew, which replays the write-ahead log, so nothing committed is lost.
   */
  private reopenIfInvalidated(err: unknown, opened: Promise<DuckDBInstance>): void {
    if (!(err instanceof Error) || !INVALIDATED.test(err.message) || this.instance !== opened) return
    this.instance = undefined
    void opened.then((instance) => {
      try {
        instance.closeSync()
      } catch {
        // Already unusable: closing is only to release the file.
      }
    })
  }

  run(sql: string, params?: unknown[], call?: SqlCall): Promise<void> {
    return this.statement(sql, params, call, async (p) => {
      await p.run()
    })
  }

  read(sql: string, params?: unknown[], call?: SqlCall): Promise<ReadResult> {
    return this.statement(sql, params, call, async (p) => toResult(await p.runAndReadAll()))
  }

  /**
   * Checks that `sql` is exactly one read-only statement (a query), so tools that
   * take SQL from a caller cannot change or drop anything.
   */
  async assertQuery(sql: string, param = 'sql', call?: SqlCall): Promise<void> {
    const { StatementType } = await import('@duckdb/node-api')
    await this.statement(
      sql,
      undefined,
      call,
      async (prepared) => {
        if (prepared.statementType !== StatementType.SELECT) {
          throw new McppError('INVALID_PARAMS', `${param}: only queries (SELECT, WITH …) are allowed here`, {
            problems: [{ param, problem: 'not a query' }],
          })
        }
      },
      { param },
    )
  }

  /**
   * Checks with DuckDB's parser that `text` is exactly one scalar expression (no
   * subquery, nothing appended), refusing it with INVALID_PARAMS naming `param`.
   */
  async assertExpression(text: string, param: string, call?: SqlCall): Promise<void> {
    refuseNul(text, param)
    const { rows } = await this.read(
      'SELECT json_serialize_sql($1::VARCHAR) AS tree',
      [expressionProbe(text)],
      call,
    )
    const check = checkExpressionTree(String(rows[0]?.tree))
    if (!check.ok) {
      throw new McppError('INVALID_PARAMS', `${param}: ${check.problem}`, {
        problems: [{ param, problem: check.problem }],
      })
    }
  }

  /**
   * Runs one statement on a connection of its own under the limits: a slot first
   * (QUOTA_EXCEEDED when the caller already has its share), then extract, prepare, bind
   * and `consume`, interrupted when the call's signal aborts or the time limit passes.
   *
   * The caller is answered at that moment even if DuckDB has not stopped yet: it checks
   * for interrupts between vectors of rows, so one slow scalar call (levenshtein over
   * long strings, say) can run on. Such a statement is `overdue`: it keeps its slot, and
   * so its identity's share, until DuckDB really finishes.
   */
  private async statement<T>(
    sql: string,
    params: unknown[] | undefined,
    call: SqlCall,
    consume: (prepared: DuckDBPreparedStatement) => Promise<T>,
    options: { param?: string } = {},
  ): Promise<T> {
    const param = options.param ?? 'sql'
    // The C API reads SQL up to the first NUL: text after one would be checked by
    // nobody and dropped silently, so it is refused.
    refuseNul(sql, param)
    const { signal: callerSignal, key } = callOf(call)
    // Opening the engine (once per relay) is not the statement's time.
    const opened = this.open()
    const instance = await opened
    const deadline = AbortSignal.timeout(this.limits.timeoutSeconds * 1000)
    const signal = callerSignal ? AbortSignal.any([callerSignal, deadline]) : deadline
    const slot = this.slots.acquire(key, signal)
    if (!slot) {
      this.metrics?.refused('concurrency')
      throw new McppError(
        'QUOTA_EXCEEDED',
        `this caller already has ${this.limits.maxPerIdentity} SQL statements running or waiting (sql.maxPerIdentity); retry when one has finished`,
        { limit: 'sql.maxPerIdentity' },
      )
    }
    let release: () => void
    try {
      release = await slot
    } catch (err) {
      throw this.failure(err, signal, callerSignal)
    }
    let connection: DuckDBConnection | undefined
    const interrupt = () => connection?.interrupt()
    signal.addEventListener('abort', interrupt, { once: true })
    const work = (async () => {
      connection = await instance.connect()
      // Splitting is parsing the caller's text: whatever it refuses is the caller's SQL
      // (a lone comment made the native call fail with no DuckDB error kind at all).
      const statements = await connection.extractStatements(sql).catch((err: Error) => {
        const wrapped = engineError(err)
        if (wrapped instanceof McppError && wrapped.code !== 'INTERNAL') throw wrapped
        throw new McppError('INVALID_PARAMS', `${param}: not SQL DuckDB can read: ${err.message}`, {
          problems: [{ param, problem: 'not readable SQL' }],
        })
      })
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
      try {
        if (params !== undefined && params.length > 0) prepared.bind(params as never)
        // DuckDB forgets an interrupt that arrives before its statement starts, so an
        // abort during the steps above is honoured here, synchronously before the start.
        signal.throwIfAborted()
        return await consume(prepared)
      } finally {
        prepared.destroySync()
      }
    })()
    let settled = false
    let overdue = false
    void work
      .catch(() => {})
      .finally(() => {
        settled = true
        signal.removeEventListener('abort', interrupt)
        connection?.closeSync()
        if (overdue) this.overdueCount--
        release()
      })
    try {
      return await raceAbort(work, signal)
    } catch (err) {
      if (signal.aborted && !settled) {
        overdue = true
        this.overdueCount++
      }
      this.reopenIfInvalidated(err, opened)
      throw this.failure(err, signal, callerSignal)
    }
  }

  /** What a failed statement tells its caller: its own cancellation, TIMEOUT, or DuckDB's error. */
  private failure(err: unknown, signal: AbortSignal, callerSignal: AbortSignal | undefined): unknown {
    if (callerSignal?.aborted) return callerSignal.reason
    if (signal.aborted) {
      this.metrics?.refused('timeout')
      return new McppError(
        'TIMEOUT',
        `the SQL statement ran past its ${this.limits.timeoutSeconds} s limit (sql.timeoutSeconds) and was stopped`,
        { limit: 'sql.timeoutSeconds' },
      )
    }
    if (err instanceof McppError) return err
    const mapped = engineError(err)
    if (mapped instanceof McppError && mapped.code === 'QUOTA_EXCEEDED') {
      this.metrics?.refused('memory')
      return new McppError(
        'QUOTA_EXCEEDED',
        `the SQL statement needs more than the engine's ${this.limits.memoryLimitMb} MiB of memory (sql.memoryLimitMb) and ${this.limits.tempLimitMb} MiB of spill space (sql.tempLimitMb): ${mapped.message}`,
        { limit: 'sql.memoryLimitMb', engine: 'duckdb' },
      )
    }
    return mapped
  }
}

/** DuckDB's words for a database it will not use again until it is reopened. */
const INVALIDATED = /database has been invalidated|^FATAL Error/

function refuseNul(text: string, param: string): void {
  if (text.includes('\0')) {
    throw new McppError('INVALID_PARAMS', `${param}: NUL characters are not allowed in SQL`, {
      problems: [{ param, problem: 'contains NUL' }],
    })
  }
}
