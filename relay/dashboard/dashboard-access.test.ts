import { describe, expect, it } from 'vitest'
import { accessFor, isLoopbackRequest } from './dashboard-access.ts'

describe('dashboard access', () => {
  it('is open to everyone when the relay has no token', () => {
    expect(accessFor(false, false, 'action')).toBe('open')
  })
  it('with a token, opens reads to loopback only and asks for the token for every action', () => {
    expect(accessFor(true, true, 'read')).toBe('open')
    expect(accessFor(true, true, 'action')).toBe('token')
    expect(accessFor(true, false, 'read')).toBe('token')
  })
  it('counts loopback peers as local, but not what a proxy forwarded', () => {
    const none = new Headers()
    expect(isLoopbackRequest('127.0.0.1', none)).toBe(true)
    expect(isLoopbackRequest('::ffff:127.0.0.5', none)).toBe(true)
    expect(isLoopbackRequest('::1', none)).toBe(true)
    expect(isLoopbackRequest('10.0.0.2', none)).toBe(false)
    expect(isLoopbackRequest('::ffff:10.0.0.2', none)).toBe(false)
    expect(isLoopbackRequest(undefined, none)).toBe(false)
    expect(isLoopbackRequest('127.0.0.1', new Headers({ 'x-forwarded-for': '203.0.113.9' }))).toBe(false)
    expect(isLoopbackRequest('127.0.0.1', new Headers({ forwarded: 'for=203.0.113.9' }))).toBe(false)
  })
})
