import { describe, expect, it } from 'vitest'
import { ANY, parseTrust, resolveTrust, strongerTrust, tallyVotes } from './trust-policy.ts'

describe('trust levels', () => {
  it('parses the three levels and refuses anything else', () => {
    expect(parseTrust('any')).toEqual({ ok: true, trust: { level: 'any' } })
    expect(parseTrust('quorum:3')).toEqual({ ok: true, trust: { level: 'quorum', k: 3 } })
    expect(parseTrust('spot-check:0.05')).toEqual({ ok: true, trust: { level: 'spot-check', rate: 0.05 } })
    for (const bad of [
      'quorum:1',
      'quorum:6',
      'quorum:2.5',
      'spot-check:0',
      'spot-check:',
      'spot-check:2',
      'all',
      'quorum:2:1',
    ])
      expect(parseTrust(bad).ok, bad).toBe(false)
  })

  it('takes the first matching rule by tool, kind and identity', () => {
    const rules = [
      { identity: 'vip', trust: { level: 'quorum' as const, k: 3 } },
      { kind: 'sha256', trust: { level: 'quorum' as const, k: 2 } },
      { tool: 'text_*', trust: { level: 'spot-check' as const, rate: 0.1 } },
    ]
    expect(resolveTrust(rules, ANY, { tool: 'text_embed', kind: 'embed', identity: 'vip' })).toEqual({
      level: 'quorum',
      k: 3,
    })
    expect(
      resolveTrust(rules, ANY, { tool: 'p2p_taskqueue_submit', kind: 'sha256', identity: undefined }),
    ).toEqual({ level: 'quorum', k: 2 })
    expect(resolveTrust(rules, ANY, { tool: 'text_embed', kind: 'embed', identity: undefined }).level).toBe(
      'spot-check',
    )
    expect(
      resolveTrust(rules, ANY, { tool: 'p2p_taskqueue_submit', kind: 'echo', identity: undefined }),
    ).toBe(ANY)
  })

  it('lets a submitter ask for more checking, never less', () => {
    const q2 = { level: 'quorum' as const, k: 2 }
    expect(strongerTrust(q2, ANY)).toBe(q2)
    expect(strongerTrust(ANY, q2)).toBe(q2)
    expect(strongerTrust({ level: 'spot-check', rate: 1 }, q2)).toBe(q2)
  })
})

describe('quorum votes', () => {
  it('accepts when k distinct peers agree, naming the dissent', () => {
    expect(tallyVotes([{ peer: 'a', digest: 'x' }], 2)).toEqual({ decision: 'more' })
    expect(
      tallyVotes(
        [
          { peer: 'a', digest: 'x' },
          { peer: 'b', digest: 'y' },
          { peer: 'c', digest: 'x' },
        ],
        2,
      ),
    ).toEqual({ decision: 'accept', digest: 'x', agreed: ['a', 'c'], dissent: ['b'] })
  })

  it('counts one vote per peer', () => {
    expect(
      tallyVotes(
        [
          { peer: 'a', digest: 'x' },
          { peer: 'a', digest: 'x' },
        ],
        2,
      ).decision,
    ).toBe('more')
  })

  it('gives up when no answer can reach k any more', () => {
    const votes = ['p', 'q', 'r', 's', 't'].map((peer, i) => ({ peer, digest: String(i) }))
    expect(tallyVotes(votes.slice(0, 4), 2).decision).toBe('more')
    expect(tallyVotes(votes, 2).decision).toBe('no_quorum')
  })
})
