import { describe, expect, it } from 'vitest'
import { MAX_LISTED_NAMES, unknownName } from './names-in.ts'

describe('unknownName', () => {
  it('lists every held name when there are few', () => {
    const err = unknownName('graph', 'graphs', 'rods', ['roads', 'rivers'])
    expect(err.code).toBe('NOT_FOUND')
    expect(err.message).toBe('no graph "rods"; graphs: roads, rivers')
    expect(unknownName('graph', 'graphs', 'x', []).message).toBe('no graph "x"; graphs: none')
  })

  it('lists at most ten names of many, the closest first, and says how many are held', () => {
    const names = Array.from({ length: 50_000 }, (_, i) => `graph-${String(i).padStart(5, '0')}`)
    names.push('roads')
    const err = unknownName('graph', 'graphs', 'rods', names)
    const listed = err.message.split('among them: ')[1]?.split(', ') ?? []
    expect(listed).toHaveLength(MAX_LISTED_NAMES)
    expect(listed[0]).toBe('roads')
    expect(err.message).toContain('50,001 graphs')
    expect(err.details).toEqual({ held: 50_001 })
  })
})
