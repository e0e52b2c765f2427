import { describe, expect, it } from 'vitest'
import { checkPeerAddresses, MAX_LISTED_PEERS, multiaddrProblem, parsePeersFile } from './peer-list.ts'

const ID = '12D3KooWGX4yg2qetMdARtqz2W4663fk8xYuWKAfNFjNiUXqRKat'
const GOOD = `/ip4/127.0.0.1/tcp/9001/ws/p2p/${ID}`

describe('parsePeersFile', () => {
  it('reads {"peers": [...]} with addresses and {multiaddr, member} entries', () => {
    const text = JSON.stringify({ peers: [GOOD, { multiaddr: GOOD, member: true }] })
    expect(parsePeersFile(text)).toEqual({
      peers: [
        { multiaddr: GOOD, peerId: ID, member: false },
        { multiaddr: GOOD, peerId: ID, member: true },
      ],
      problems: [],
    })
  })

  it('reads a bare array', () => {
    expect(parsePeersFile(JSON.stringify([GOOD])).peers).toHaveLength(1)
  })

  it('names a bad entry by index and text and keeps the good ones', () => {
    const list = parsePeersFile(
      JSON.stringify({
        peers: ['/ip4/nonsense', GOOD, '/ip4/127.0.0.1/tcp/1/ws', { multiaddr: GOOD, extra: 1 }],
      }),
    )
    expect(list.peers.map((p) => p.multiaddr)).toEqual([GOOD])
    expect(list.problems.map((p) => p.entry)).toEqual([
      '#0 /ip4/nonsense',
      '#2 /ip4/127.0.0.1/tcp/1/ws',
      expect.stringMatching(/^#3 \{"multiaddr"/),
    ])
    expect(list.problems[1]?.error).toContain('/p2p/<PeerId>')
    expect(list.problems.every((p) => p.source === 'peers-file')).toBe(true)
  })

  it('refuses a PeerId that is not one', () => {
    const list = parsePeersFile(JSON.stringify(['/ip4/127.0.0.1/tcp/1/ws/p2p/12D3KooWnotapeer']))
    expect(list.peers).toEqual([])
    expect(list.problems[0]?.error).toMatch(/not (a libp2p PeerId|a multiaddr)/)
  })

  it('reports text that is not JSON, or JSON of another shape, as one problem about the file', () => {
    expect(parsePeersFile('{"peers": [')).toMatchObject({
      peers: [],
      problems: [{ entry: 'file', error: expect.stringContaining('not valid JSON') }],
    })
    expect(parsePeersFile('{"relays": []}').problems).toEqual([
      { source: 'peers-file', entry: 'file', error: expect.stringContaining('expected') },
    ])
  })

  it(`keeps at most ${MAX_LISTED_PEERS} peers and says so`, () => {
    const list = parsePeersFile(JSON.stringify(Array(MAX_LISTED_PEERS + 3).fill(GOOD)))
    expect(list.peers).toHaveLength(MAX_LISTED_PEERS)
    expect(list.problems).toHaveLength(1)
  })
})

describe('checkPeerAddresses', () => {
  it('keeps the dialable addresses and names the others with their source', () => {
    expect(checkPeerAddresses([GOOD, 'nope'], 'bootstrap-peers')).toEqual({
      peers: [{ multiaddr: GOOD, peerId: ID, member: false }],
      problems: [
        { source: 'bootstrap-peers', entry: '#1 nope', error: expect.stringContaining('multiaddr') },
      ],
    })
  })
})

describe('multiaddrProblem', () => {
  it('accepts a multiaddr with or without a PeerId and explains a bad one', () => {
    expect(multiaddrProblem('/ip4/127.0.0.1/tcp/8001/ws')).toBeUndefined()
    expect(multiaddrProblem('/ip4/999.1.1.1/tcp/1')).toContain('not a multiaddr')
    expect(multiaddrProblem('')).toBe('empty multiaddr')
    expect(multiaddrProblem(`/dns4/${'a'.repeat(600)}/tcp/1`)).toContain('longer than 512')
  })
})
