import { describe, expect, it } from 'vitest'
import { edgeSessionId, parseEdgeSessionId, relayKeyOf } from './session-route.ts'

describe('edge session ids', () => {
  it('round-trips the relay key and the relay session id', () => {
    const route = { relayKey: relayKeyOf('http://127.0.0.1:8000'), relaySessionId: 'abc-123.x' }
    expect(parseEdgeSessionId(edgeSessionId(route))).toEqual(route)
  })

  it('refuses ids the edge never issues', () => {
    for (const bad of ['', 'nokey', '.abc', 'abc.', 'UPPER.abc', 'k.a b', 'k.\u00e9', `k.${'x'.repeat(600)}`])
      expect(parseEdgeSessionId(bad), bad).toBeUndefined()
  })

  it('gives each URL a stable key', () => {
    expect(relayKeyOf('http://a:1')).toBe(relayKeyOf('http://a:1'))
    expect(relayKeyOf('http://a:1')).not.toBe(relayKeyOf('http://a:2'))
    expect(relayKeyOf('http://a:1')).toMatch(/^[0-9a-z]{1,7}$/)
  })
})
