import { describe, expect, it } from 'vitest'
import { entropy, luhnValid } from './detectors.ts'
import { redactText, scanText } from './scan.ts'

const GITHUB = `ghp_${'a1B2c3D4e5'.repeat(4)}`

describe('scanText', () => {
  it('finds known secret formats, assigned secrets and high-entropy strings', () => {
    const text = [
      `aws AKIAIOSFODNN7EXAMPLE and ${GITHUB}`,
      'password = "hunter2-correct-horse"',
      'blob Zx8qP2vR9tL4mN7bK1cJ5hG3fD6sA0wE',
      '-----BEGIN RSA PRIVATE KEY-----\nMIIEow\n-----END RSA PRIVATE KEY-----',
    ].join('\n')
    const types = scanText(text, { kinds: ['secret'] }).map((f) => f.type)
    expect(types).toEqual([
      'aws_access_key_id',
      'github_token',
      'assigned_secret',
      'high_entropy_string',
      'private_key',
    ])
    expect(scanText('the word password is not a secret', { kinds: ['secret'] })).toEqual([])
  })

  it('finds emails, phone numbers and card numbers that pass Luhn', () => {
    const text =
      'mail ada@example.org, call +44 20 7946 0958, card 4111 1111 1111 1111, not 4111 1111 1111 1112'
    const found = scanText(text, { kinds: ['pii'] })
    expect(found.map((f) => [f.type, text.slice(f.start, f.end)])).toEqual([
      ['email', 'ada@example.org'],
      ['phone', '+44 20 7946 0958'],
      ['card_number', '4111 1111 1111 1111'],
    ])
    expect(found[0]?.preview).toBe('ad***********rg')
    expect(scanText('server 192.168.100.200 on 2026-11-25', { kinds: ['pii'] })).toEqual([])
  })

  it('redacts what it found and leaves the rest intact', () => {
    const text = `token ${GITHUB} for bob@corp.io`
    expect(redactText(text, scanText(text))).toBe('token [REDACTED:github_token] for [REDACTED:email]')
  })
})

describe('checks', () => {
  it('computes Luhn and entropy', () => {
    expect(luhnValid('4111111111111111')).toBe(true)
    expect(luhnValid('4111111111111112')).toBe(false)
    expect(entropy('aaaa')).toBe(0)
    expect(entropy('abcd')).toBe(2)
  })
})
