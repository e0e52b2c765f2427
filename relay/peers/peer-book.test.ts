import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { McppError } from '../../shared/errors.ts'
import { P2pHolder } from '../p2p/p2p-holder.ts'
import { PeerBook } from './peer-book.ts'
import { requireLibp2p } from './require-libp2p.ts'

const X = '12D3KooWDpJ7As7BWAwRMfu1VU2WCqNjvq387JEYKDBj4kx6nXTN'
const Y = '12D3KooWQYhTNQdmr3ArTeUHRYzFg94BKyTkoWBDWez9kSCVe2Xo'

function openBook(maxPeers: number, now: () => number = () => 1000): PeerBook {
  const book = new PeerBook(join(mkdtempSync(join(tmpdir(), 'mcpp-book-')), 'peerbook.db'), now, maxPeers)
  book.start()
  return book
}

describe('PeerBook', () => {
  it('refuses a new peer when full, still updates a known one, and takes new ones after cleanup', () => {
    let clock = 1000
    const book = openBook(1, () => clock)
    book.register({ peerId: X, multiaddrs: [], capabilities: [], ttlMs: 10 })
    const full = (() => {
      try {
        book.register({ peerId: Y, multiaddrs: [], capabilities: [], ttlMs: 10 })
      } catch (err) {
        return err
      }
    })()
    expect(full).toBeInstanceOf(McppError)
    expect((full as McppError).code).toBe('QUOTA_EXCEEDED')
    expect(book.register({ peerId: X, multiaddrs: [], capabilities: ['a'], ttlMs: 10 }).created).toBe(false)
    clock += 10
    expect(book.purgeExpired()).toBe(1)
    expect(book.register({ peerId: Y, multiaddrs: [], capabilities: [], ttlMs: 10 }).created).toBe(true)
    book.stop()
  })

  it('is SHUTTING_DOWN once stopped, and stop is idempotent', () => {
    const book = openBook(5)
    book.stop()
    book.stop()
    expect(() => book.list()).toThrow(expect.objectContaining({ code: 'SHUTTING_DOWN' }))
  })
})

describe('requireLibp2p', () => {
  it('says UNAVAILABLE, and why, when P2P is off or the node is not running', () => {
    expect(requireLibp2p(new P2pHolder(), true)).toThrow(
      expect.objectContaining({ code: 'UNAVAILABLE', message: expect.stringContaining('disabled') }),
    )
    expect(requireLibp2p(new P2pHolder(), false)).toThrow(
      expect.objectContaining({ code: 'UNAVAILABLE', message: expect.stringContaining('not running') }),
    )
  })
})
