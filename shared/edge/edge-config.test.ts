import { describe, expect, it } from 'vitest'
import { EdgeConfigError, parseEdgeConfig, parseRelays } from './edge-config.ts'

const SECRET = 's'.repeat(32)

describe('parseEdgeConfig', () => {
  it('reads relays as JSON or a comma list, keyed and without duplicates', () => {
    const a = parseRelays('RELAYS', '["http://127.0.0.1:8000", "http://127.0.0.1:8000/"]')
    expect(a).toHaveLength(1)
    expect(a[0]?.url).toBe('http://127.0.0.1:8000')
    const b = parseRelays('RELAYS', 'http://a.test:1, https://b.test')
    expect(b.map((r) => r.url)).toEqual(['http://a.test:1', 'https://b.test'])
    expect(new Set(b.map((r) => r.key)).size).toBe(2)
  })

  it('names the variable that is wrong', () => {
    const bad: Array<[Record<string, string>, RegExp]> = [
      [{ RELAYS: 'http://a.test' }, /MCPP_EDGE_SECRET/],
      [{ RELAYS: 'http://a.test', MCPP_EDGE_SECRET: 'short' }, /MCPP_EDGE_SECRET/],
      [{ MCPP_EDGE_SECRET: SECRET }, /RELAYS: name at least one relay/],
      [{ RELAYS: '[not json', MCPP_EDGE_SECRET: SECRET }, /RELAYS: not JSON/],
      [{ RELAYS: 'ftp://a.test', MCPP_EDGE_SECRET: SECRET }, /RELAYS \(0\): each relay is an http/],
      [{ RELAYS: 'http://a.test/mcp', MCPP_EDGE_SECRET: SECRET }, /RELAYS \(0\)/],
      [{ RELAYS: 'http://a.test', MCPP_EDGE_SECRET: SECRET, MCPP_TOKEN: 'a b' }, /MCPP_TOKEN/],
      [{ RELAYS: 'http://a.test', MCPP_EDGE_SECRET: SECRET, ACCESS_POLICY: '{' }, /ACCESS_POLICY: not JSON/],
      [
        { RELAYS: 'http://a.test', MCPP_EDGE_SECRET: SECRET, ACCESS_POLICY: '{"identities":{"a b":{}}}' },
        /ACCESS_POLICY: identities/,
      ],
      [{ RELAYS: 'http://a.test', MCPP_EDGE_SECRET: SECRET, MAX_BODY_BYTES: '12' }, /MAX_BODY_BYTES/],
    ]
    for (const [vars, message] of bad) {
      expect(() => parseEdgeConfig(vars), JSON.stringify(vars)).toThrow(EdgeConfigError)
      expect(() => parseEdgeConfig(vars), JSON.stringify(vars)).toThrow(message)
    }
  })

  it('takes the relay list from KV over the var, and the access policy from JSON', () => {
    const config = parseEdgeConfig(
      {
        RELAYS: 'http://var.test',
        MCPP_EDGE_SECRET: SECRET,
        ACCESS_POLICY: JSON.stringify({
          identities: { ci: { tokenSha256: 'a'.repeat(64), allow: ['text_*'] } },
        }),
        ALLOWED_HOSTS: 'edge.example.com',
      },
      '["http://kv.test"]',
    )
    expect(config.relays.map((r) => r.url)).toEqual(['http://kv.test'])
    expect(config.access.tokens.get('a'.repeat(64))).toBe('ci')
    expect(config.allowedHosts).toEqual(['edge.example.com'])
  })
})
