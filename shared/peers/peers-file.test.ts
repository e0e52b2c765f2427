import { describe, expect, it } from 'vitest'
import { MAX_PEERS_FILE_ENTRIES, multiaddrProblem, parsePeersFile } from './peers-file.ts'

const A = '/ip4/127.0.0.1/tcp/8001/ws'
const B = '/dns4/relay-b.example/tcp/443/wss'

describe('parsePeersFile', () => {
  it('reads a list of multiaddr strings', () => {
    expect(parsePeersFile(JSON.stringify([A, B]))).toEqual({
      ok: true,
      entries: [
        { index: 0, multiaddr: A },
        { index: 1, multiaddr: B },
      ],
      problems: [],
    })
  })

  it('reads {"peers": [...]} with strings, multiaddr and multiaddrs items, ignoring other fields', () => {
    const file = { peers: [A, { multiaddr: B, name: 'b' }, { multiaddrs: [A, B] }] }
    const parsed = parsePeersFile(JSON.stringify(file))
    expect(parsed.ok && parsed.entries.map((e) => [e.index, e.multiaddr])).toEqual([
      [0, A],
      [1, B],
      [2, A],
      [2, B],
    ])
  })

  it('names each bad entry by index and keeps the good ones', () => {
    const parsed = parsePeersFile(JSON.stringify({ peers: ['not-an-addr', 42, { name: 'x' }, A] }))
    expect(parsed.ok && parsed.entries).toEqual([{ index: 3, multiaddr: A }])
    expect(parsed.ok && parsed.problems.map((p) => p.index)).toEqual([0, 1, 2])
    expect(parsed.ok && parsed.problems[0]?.message).toContain('not a multiaddr')
  })

  it('refuses text that is not JSON, JSON of another shape, and too many entries', () => {
    expect(parsePeersFile('{peers: [')).toMatchObject({ ok: false, message: expect.stringContaining('JSON') })
    expect(parsePeersFile('{"relays": []}')).toMatchObject({ ok: false })
    const many = Array.from({ length: MAX_PEERS_FILE_ENTRIES + 1 }, () => A)
    expect(parsePeersFile(JSON.stringify(many))).toMatchObject({ ok: false })
  })
})

describe('multiaddrProblem', () => {
  it('accepts a multiaddr and explains a bad one', () => {
    expect(multiaddrProblem(A)).toBeUndefined()
    expect(multiaddrProblem('/ip4/999.1.1.1/tcp/1')).toContain('not a multiaddr')
    expect(multiaddrProblem('')).toBe('empty multiaddr')
  })
})
