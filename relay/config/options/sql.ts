import type { OptionSpec } from '../option-spec.ts'

/** The DuckDB engine of the SQL tools (`sql.*`). */
export const SQL_OPTIONS: readonly OptionSpec[] = [
  {
    key: 'sql.timeoutSeconds',
    flag: 'sql-timeout-seconds',
    env: 'MCPP_SQL_TIMEOUT_SECONDS',
    kind: 'number',
    help: 'A SQL statement is interrupted with TIMEOUT after this, waiting included (default 30)',
  },
  {
    key: 'sql.memoryLimitMb',
    flag: 'sql-memory-limit-mb',
    env: 'MCPP_SQL_MEMORY_LIMIT_MB',
    kind: 'int',
    help: 'DuckDB memory limit in MiB, for all statements together (default 1024)',
  },
  {
    key: 'sql.tempLimitMb',
    flag: 'sql-temp-limit-mb',
    env: 'MCPP_SQL_TEMP_LIMIT_MB',
    kind: 'int',
    help: 'DuckDB spill space on disk in MiB beyond the memory limit (default 4096)',
  },
  {
    key: 'sql.threads',
    flag: 'sql-threads',
    env: 'MCPP_SQL_THREADS',
    kind: 'int',
    help: 'DuckDB worker threads, shared by all statements (default 2)',
  },
  {
    key: 'sql.maxConcurrent',
    flag: 'sql-max-concurrent',
    env: 'MCPP_SQL_MAX_CONCURRENT',
    kind: 'int',
    help: 'SQL statements running at once; more wait their turn, fairly by identity (default 3; keep below UV_THREADPOOL_SIZE, 4)',
  },
  {
    key: 'sql.maxPerIdentity',
    flag: 'sql-max-per-identity',
    env: 'MCPP_SQL_MAX_PER_IDENTITY',
    kind: 'int',
    help: 'SQL statements one identity may have running or waiting; more get QUOTA_EXCEEDED (default 2)',
  },
]
