import { describe, expect, it } from 'vitest'
import { type AdmissionPolicy, decideAdmission } from './admission.ts'

const policy = (mode: AdmissionPolicy['mode']): AdmissionPolicy => ({
  mode,
  joinTokenDigests: new Set(['good']),
  allowlist: new Set(['12D3KooWListed']),
})

describe('worker admission', () => {
  it('admits anyone as a volunteer when open, and a token holder as a member', () => {
    expect(decideAdmission(policy('open'), { peerId: 'p', joinTokenDigest: undefined })).toEqual({
      ok: true,
      workerClass: 'volunteer',
    })
    expect(decideAdmission(policy('open'), { peerId: 'p', joinTokenDigest: 'good' })).toEqual({
      ok: true,
      workerClass: 'member',
    })
  })

  it('refuses a wrong join token even when admission is open', () => {
    expect(decideAdmission(policy('open'), { peerId: 'p', joinTokenDigest: 'bad' }).ok).toBe(false)
  })

  it('needs a valid token in token mode', () => {
    expect(decideAdmission(policy('token'), { peerId: 'p', joinTokenDigest: undefined }).ok).toBe(false)
    expect(decideAdmission(policy('token'), { peerId: 'p', joinTokenDigest: 'good' }).ok).toBe(true)
  })

  it('admits only listed PeerIds in allowlist mode, token or not', () => {
    expect(decideAdmission(policy('allowlist'), { peerId: 'p', joinTokenDigest: 'good' }).ok).toBe(false)
    expect(
      decideAdmission(policy('allowlist'), { peerId: '12D3KooWListed', joinTokenDigest: undefined }),
    ).toEqual({
      ok: true,
      workerClass: 'member',
    })
  })
})
