/** SQL string literal (single quotes doubled). */
export const sqlString = (value: string): string => `'${value.replaceAll("'", "''")}'`

/** SQL identifier (double quotes doubled), so any column name is safe to splice in. */
export const sqlIdent = (name: string): string => `"${name.replaceAll('"', '""')}"`

/** Dataset (table) names: plain identifiers, so they read naturally in SQL. */
export const DATASET_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/

/** A query without trailing semicolons, fit to be wrapped as a subquery. */
export const bareQuery = (sql: string): string => sql.trim().replace(/;+\s*$/, '')
