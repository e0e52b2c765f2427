import { describe, expect, it } from 'vitest'
import { isPublicIp } from './observed-address.ts'
import { publicIpFrom } from './public-ip.ts'

const seen = (peerId: string, ip: string) => ({ peerId, observedAddr: `/ip4/${ip}/tcp/4000/ws`, ip })

describe('publicIpFrom', () => {
  it('takes the IP most peers report, and says how many agree', () => {
    const answer = publicIpFrom([
      seen('a', '203.0.113.7'),
      seen('b', '198.51.100.2'),
      seen('c', '203.0.113.7'),
    ])
    expect(answer).toMatchObject({ known: true, ip: '203.0.113.7', public: true, agreeing: 2 })
  })

  it('cannot tell when every peer failed to answer, and says so', () => {
    const answer = publicIpFrom([
      { peerId: 'a', observedAddr: null, ip: null, error: 'StreamResetError: reset' },
    ])
    expect(answer).toMatchObject({ known: false, ip: null, public: null })
    expect(answer.reason).toContain('none of the 1 connected peers')
  })
})

describe('isPublicIp', () => {
  it('tells loopback, private, link-local and CGNAT addresses from public ones', () => {
    for (const ip of [
      '127.0.0.1',
      '10.1.2.3',
      '172.20.0.1',
      '192.168.1.1',
      '169.254.1.1',
      '100.64.0.1',
      '::1',
      'fd00::1',
      'fe80::1',
    ]) {
      expect(isPublicIp(ip), ip).toBe(false)
    }
    for (const ip of ['8.8.8.8', '203.0.113.7', '2001:4860:4860::8888']) expect(isPublicIp(ip), ip).toBe(true)
  })
})
