import { describe, expect, it } from 'vitest'
import { compilePipeline, pipelineStep } from './pipeline.ts'

describe('compilePipeline', () => {
  it('passes the table through with no steps', () => {
    expect(compilePipeline('sales', [])).toEqual({
      sql: 'SELECT * FROM "sales"',
      params: [],
      expressions: [],
    })
  })

  it('quotes columns and sends values as parameters', () => {
    const { sql, params } = compilePipeline('t', [
      { filter: { column: 'we"ird', op: 'ge', value: 3 } },
      { filter: { column: 'city', op: 'in', value: ['Oslo', "O'Hare"] } },
    ])
    expect(sql).toContain('"we""ird" >= $1')
    expect(sql).toContain('"city" IN ($2, $3)')
    expect(params).toEqual([3, 'Oslo', "O'Hare"])
  })

  it('nests each step over the previous one, in order', () => {
    const { sql } = compilePipeline('t', [
      { select: ['a', 'b'] },
      { rename: { a: 'x' } },
      { sort: [{ column: 'x', descending: true }] },
      { limit: 5 },
    ])
    expect(sql).toBe(
      'SELECT * FROM (SELECT * FROM (SELECT * RENAME ("a" AS "x") FROM (SELECT "a", "b" FROM (SELECT * FROM "t") AS s0) AS s1) AS s2 ORDER BY "x" DESC) AS s3 LIMIT 5',
    )
  })

  it('lists each derive expression with its parameter path, for the parser check', () => {
    const { sql, expressions } = compilePipeline('t', [
      { limit: 9 },
      { derive: { column: 'x', sql: 'a + 1' } },
    ])
    expect(expressions).toEqual([{ param: 'steps[1].derive.sql', text: 'a + 1' }])
    expect(sql).toContain('(\na + 1\n) AS "x"')
  })

  it('refuses steps with unknown keys or two operations at once', () => {
    expect(pipelineStep.safeParse({ limit: 3, select: ['a'] }).success).toBe(false)
    expect(pipelineStep.safeParse({ drop: ['a'] }).success).toBe(false)
    expect(pipelineStep.safeParse({ filter: { column: 'a', op: 'like', value: 1 } }).success).toBe(false)
  })
})
