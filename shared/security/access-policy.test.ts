import { describe, expect, it } from 'vitest'
import { decideAccess, decideKindAccess, OPEN_POLICY, ruleKey } from './access-policy.ts'

const policy = {
  identities: {
    analyst: { allow: ['text_*', 'category:cache'], deny: ['cache_delete'] },
    admin: {},
  },
  default: { allow: ['system_*'] },
}
const tool = (name: string, category = name.split('_')[0] as string) => ({ name, category })

describe('decideAccess', () => {
  it('applies an identity’s allow list, with deny winning', () => {
    expect(decideAccess(policy, 'analyst', tool('text_hash')).allowed).toBe(true)
    expect(decideAccess(policy, 'analyst', tool('cache_get')).allowed).toBe(true)
    expect(decideAccess(policy, 'analyst', tool('cache_delete'))).toEqual({
      allowed: false,
      reason: 'identity "analyst" denies cache_delete (cache_delete)',
    })
    expect(decideAccess(policy, 'analyst', tool('graph_create')).allowed).toBe(false)
  })

  it('uses the default rule for unknown or anonymous callers and lets meta-tools through', () => {
    expect(decideAccess(policy, undefined, tool('system_health')).allowed).toBe(true)
    expect(decideAccess(policy, 'stranger', tool('text_hash')).allowed).toBe(false)
    expect(decideAccess(policy, 'stranger', tool('tools_dispatch', 'tools')).allowed).toBe(true)
    expect(decideAccess(policy, 'admin', tool('graph_delete')).allowed).toBe(true)
  })
})

describe('the operator token', () => {
  it('is unrestricted unless the policy lists an operator identity', () => {
    expect(decideAccess(policy, 'operator', tool('graph_delete')).allowed).toBe(true)
    const listed = { ...policy, identities: { ...policy.identities, operator: { allow: ['system_*'] } } }
    expect(decideAccess(listed, 'operator', tool('graph_delete')).allowed).toBe(false)
    expect(decideAccess(listed, 'operator', tool('system_health')).allowed).toBe(true)
  })
})

describe('decideKindAccess', () => {
  const kinds = {
    identities: {
      analyst: { allow: ['text_*', 'p2p_*'], deny: ['text_embed'] },
      embedder: { allow: ['text_embed', 'p2p_*'] },
      granted: { allow: ['p2p_*', 'kind:wasm', 'kind:sha*'], deny: ['kind:sha512'] },
      overreach: { allow: ['kind:*'], deny: ['text_embed'] },
      open: { deny: ['kind:wasm'] },
    },
    default: { allow: ['p2p_*'] },
  }
  const embed = [tool('text_embed')]

  it('counts submitting a kind as using every tool that implements it', () => {
    expect(decideKindAccess(kinds, 'embedder', 'embed', embed).allowed).toBe(true)
    const denied = decideKindAccess(kinds, 'analyst', 'embed', embed)
    expect(denied.allowed).toBe(false)
    expect(denied.reason).toContain('text_embed')
    expect(decideKindAccess(kinds, undefined, 'embed', embed).allowed).toBe(false)
    const twoTools = [tool('text_embed'), tool('vector_embed')]
    expect(decideKindAccess(kinds, 'embedder', 'embed', twoTools).allowed).toBe(false)
  })

  it('needs an explicit kind grant for a kind no tool implements, deny winning', () => {
    expect(decideKindAccess(kinds, 'analyst', 'wasm', []).allowed).toBe(false)
    expect(decideKindAccess(kinds, undefined, 'echo', []).allowed).toBe(false)
    expect(decideKindAccess(kinds, 'granted', 'wasm', []).allowed).toBe(true)
    expect(decideKindAccess(kinds, 'granted', 'sha256', []).allowed).toBe(true)
    expect(decideKindAccess(kinds, 'granted', 'sha512', []).allowed).toBe(false)
    expect(decideKindAccess(kinds, 'granted', 'echo', []).allowed).toBe(false)
  })

  it('lets a tool deny win over a kind grant', () => {
    expect(decideKindAccess(kinds, 'overreach', 'wasm', []).allowed).toBe(true)
    expect(decideKindAccess(kinds, 'overreach', 'embed', embed).allowed).toBe(false)
  })

  it('lets unrestricted callers submit any kind not denied', () => {
    expect(decideKindAccess(kinds, 'open', 'echo', []).allowed).toBe(true)
    expect(decideKindAccess(kinds, 'open', 'embed', embed).allowed).toBe(true)
    expect(decideKindAccess(kinds, 'open', 'wasm', []).allowed).toBe(false)
    expect(decideKindAccess(kinds, 'operator', 'wasm', []).allowed).toBe(true)
    expect(decideKindAccess(OPEN_POLICY, undefined, 'wasm', []).allowed).toBe(true)
  })

  it('never lets a kind: pattern match a tool name', () => {
    const odd = { identities: { x: { allow: ['kind:*'] } }, default: {} }
    expect(decideAccess(odd, 'x', tool('text_hash')).allowed).toBe(false)
  })
})

describe('ruleKey', () => {
  it('names the deciding rule', () => {
    expect(ruleKey(policy, 'analyst')).toBe('identity:analyst')
    expect(ruleKey(policy, 'stranger')).toBe('default')
    expect(ruleKey(policy, undefined)).toBe('default')
    expect(ruleKey(policy, 'operator')).toBe('operator')
  })
})
