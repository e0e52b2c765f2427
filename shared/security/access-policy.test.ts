import { describe, expect, it } from 'vitest'
import { decideAccess } from './access-policy.ts'

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
