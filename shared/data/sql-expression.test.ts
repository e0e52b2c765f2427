import { describe, expect, it } from 'vitest'
import { checkExpressionTree, EXPRESSION_ALIAS, expressionProbe, wrapExpression } from './sql-expression.ts'

/** The shape DuckDB's json_serialize_sql gives a one-item SELECT without FROM. */
function selectNode(select_list: unknown[], extra: Record<string, unknown> = {}) {
  return {
    type: 'SELECT_NODE',
    modifiers: [],
    cte_map: { map: [] },
    select_list,
    from_table: { type: 'EMPTY', alias: '' },
    where_clause: null,
    group_expressions: [],
    group_sets: [],
    having: null,
    sample: null,
    qualify: null,
    ...extra,
  }
}
const column = (name: string) => ({
  class: 'COLUMN_REF',
  type: 'COLUMN_REF',
  alias: '',
  column_names: [name],
})
const product = {
  class: 'FUNCTION',
  type: 'FUNCTION',
  alias: EXPRESSION_ALIAS,
  function_name: '*',
  children: [column('price'), column('qty')],
}
const tree = (...nodes: unknown[]) =>
  JSON.stringify({ error: false, statements: nodes.map((node) => ({ node, named_param_map: [] })) })

describe('checkExpressionTree', () => {
  it('accepts one expression over columns', () => {
    expect(checkExpressionTree(tree(selectNode([product])))).toEqual({ ok: true })
  })

  it('refuses text that continues past the expression: a union, a second column, a FROM, a second statement', () => {
    const union = {
      type: 'SET_OPERATION_NODE',
      setop_type: 'UNION',
      left: selectNode([]),
      right: selectNode([]),
    }
    const refusals = [
      tree(union),
      tree(selectNode([{ ...column('a'), alias: 'a' }, product])),
      tree(selectNode([product], { from_table: { type: 'BASE_TABLE', table_name: 'secrets' } })),
      tree(selectNode([product], { where_clause: column('a') })),
      tree(selectNode([product]), selectNode([product])),
      tree(selectNode([{ ...product, alias: 'other' }])),
    ]
    for (const r of refusals) expect(checkExpressionTree(r).ok).toBe(false)
  })

  it('refuses subqueries and parameters anywhere inside the expression', () => {
    const subquery = { class: 'SUBQUERY', type: 'SUBQUERY', subquery: { node: selectNode([]) } }
    const nested = { ...product, children: [column('price'), { ...column('x'), children: [subquery] }] }
    expect(checkExpressionTree(tree(selectNode([nested])))).toMatchObject({ ok: false, problem: /subquer/ })
    const parameter = { ...product, children: [{ class: 'PARAMETER', type: 'VALUE_PARAMETER' }] }
    expect(checkExpressionTree(tree(selectNode([parameter])))).toMatchObject({
      ok: false,
      problem: /parameter/,
    })
  })

  it("passes the parser's own error on", () => {
    const error = JSON.stringify({ error: true, error_message: 'syntax error at or near "AS"' })
    expect(checkExpressionTree(error)).toMatchObject({ ok: false, problem: /syntax error/ })
  })

  it('wraps the text the same way for the probe and for the query', () => {
    expect(expressionProbe('a -- note')).toBe(
      `SELECT ${wrapExpression('a -- note')} AS "${EXPRESSION_ALIAS}"`,
    )
    expect(wrapExpression('a -- note')).toBe('(\na -- note\n)')
  })
})
