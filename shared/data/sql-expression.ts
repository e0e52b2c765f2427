/**
 * Caller-written SQL expressions (a pipeline's `derive`), checked with DuckDB's own
 * parser rather than patterns: the relay asks DuckDB for the parse tree of a probe
 * query (`json_serialize_sql`) and accepts the text only if that tree is one SELECT of
 * exactly one scalar expression with nothing before or after it (issue 9: a derive
 * could close its own parenthesis and append a whole `UNION SELECT`).
 */

/** The alias the probe gives the expression, so anything appended after it shows. */
export const EXPRESSION_ALIAS = '__mcpp_expression'

/**
 * The text as it is spliced into SQL, the same way for the check and the query. The
 * newlines end a trailing `--` comment inside the parentheses instead of letting it
 * swallow them.
 */
export const wrapExpression = (text: string): string => `(\n${text}\n)`

/** The query whose parse tree decides whether `text` is one expression. */
export const expressionProbe = (text: string): string =>
  `SELECT ${wrapExpression(text)} AS "${EXPRESSION_ALIAS}"`

export type ExpressionCheck = { ok: true } | { ok: false; problem: string }

const NOT_ONE = 'must be exactly one expression (nothing may follow it: no UNION, FROM, comma or ;)'

/**
 * Expression classes refused inside a derive: subqueries read other tables or files and
 * turn a per-row formula into a query (use dataset_query for that); parameters would
 * read other steps' values; `*` and COLUMNS(…) expand to several columns.
 */
const REFUSED_CLASSES: Record<string, string> = {
  SUBQUERY: 'subqueries are not allowed in an expression (use dataset_query)',
  PARAMETER: 'parameters ($1, ?) are not allowed in an expression',
  STAR: '* and COLUMNS(…) are not allowed in an expression',
}

/** Judges DuckDB's `json_serialize_sql(expressionProbe(text))` output. */
export function checkExpressionTree(serialized: string): ExpressionCheck {
  let tree: unknown
  try {
    tree = JSON.parse(serialized)
  } catch {
    return { ok: false, problem: 'the parser gave no tree' }
  }
  const root = tree as {
    error?: boolean
    error_message?: string
    statements?: Array<{ node?: Record<string, unknown> }>
  }
  if (root.error) {
    return { ok: false, problem: `${NOT_ONE}; ${root.error_message ?? 'it does not parse'}` }
  }
  if (root.statements?.length !== 1) return { ok: false, problem: NOT_ONE }
  const node = root.statements[0]?.node ?? {}
  const list = node.select_list as Array<Record<string, unknown>> | undefined
  const bare =
    node.type === 'SELECT_NODE' &&
    isEmptyList(node.modifiers) &&
    isEmptyList((node.cte_map as { map?: unknown } | undefined)?.map) &&
    (node.from_table as { type?: unknown } | undefined)?.type === 'EMPTY' &&
    node.where_clause == null &&
    node.having == null &&
    node.qualify == null &&
    node.sample == null &&
    isEmptyList(node.group_expressions) &&
    list?.length === 1 &&
    list[0]?.alias === EXPRESSION_ALIAS
  if (!bare) return { ok: false, problem: NOT_ONE }
  const refused = findRefusedClass(list[0])
  return refused === undefined ? { ok: true } : { ok: false, problem: refused }
}

const isEmptyList = (value: unknown): boolean => Array.isArray(value) && value.length === 0

/** Walks the tree without recursion (its depth is the caller's to choose). */
function findRefusedClass(expression: unknown): string | undefined {
  const stack: unknown[] = [expression]
  while (stack.length > 0) {
    const value = stack.pop()
    if (value === null || typeof value !== 'object') continue
    if (Array.isArray(value)) {
      stack.push(...value)
      continue
    }
    const cls = (value as { class?: unknown }).class
    if (typeof cls === 'string' && Object.hasOwn(REFUSED_CLASSES, cls)) return REFUSED_CLASSES[cls]
    stack.push(...Object.values(value))
  }
  return undefined
}
