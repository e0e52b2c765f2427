import { describe, expect, it } from 'vitest'
import { describeConnection, pickRelayAddress, shortRelay } from './relay-address.ts'

const peerId = '12D3KooWRelay'

describe('pickRelayAddress', () => {
  it('prefers the WebSocket address on the host the page came from', () => {
    const status = { peerId, multiaddrs: ['/ip4/10.0.0.5/tcp/8001/ws', '/ip4/127.0.0.1/tcp/8001/ws'] }
    expect(pickRelayAddress(status, '127.0.0.1')).toBe(`/ip4/127.0.0.1/tcp/8001/ws/p2p/${peerId}`)
  })

  it('rewrites the host when the relay does not announce the one the page used', () => {
    const status = { peerId, multiaddrs: [`/ip4/0.0.0.0/tcp/8001/ws/p2p/${peerId}`] }
    expect(pickRelayAddress(status, 'relay.example.org')).toBe(
      `/dns4/relay.example.org/tcp/8001/ws/p2p/${peerId}`,
    )
    expect(pickRelayAddress(status, '[::1]')).toBe(`/ip6/::1/tcp/8001/ws/p2p/${peerId}`)
  })

  it('ignores non-WebSocket addresses and fails clearly without any', () => {
    const status = { peerId, multiaddrs: ['/ip4/127.0.0.1/tcp/4001', '/ip4/127.0.0.1/tcp/8001/ws'] }
    expect(pickRelayAddress(status, '127.0.0.1')).toBe(`/ip4/127.0.0.1/tcp/8001/ws/p2p/${peerId}`)
    expect(() => pickRelayAddress({ peerId, multiaddrs: ['/ip4/1.2.3.4/tcp/1'] }, 'x')).toThrow(/WebSocket/)
  })
})

describe('shortRelay', () => {
  const id = '12D3KooWGX4yg2qetMdARtqz2W4663fk8xYuWKAfNFjNiUXqRKat'

  it('shows host, port and a short PeerId', () => {
    expect(shortRelay(`/ip4/127.0.0.1/tcp/8001/ws/p2p/${id}`)).toBe('127.0.0.1:8001 · 12D3…RKat')
    expect(shortRelay(`/dns4/relay.example/tcp/443/wss/p2p/${id}`)).toBe('relay.example:443 · 12D3…RKat')
    expect(shortRelay(`/ip6/::1/tcp/9001/ws/p2p/${id}`)).toBe('[::1]:9001 · 12D3…RKat')
  })

  it('shows an address without a PeerId or that it cannot read as it can', () => {
    expect(shortRelay('/ip4/127.0.0.1/tcp/8001/ws')).toBe('127.0.0.1:8001')
    expect(shortRelay('relay')).toBe('relay')
  })
})

describe('describeConnection', () => {
  it('calls a WebSocket to the relay direct and names its host', () => {
    expect(describeConnection(`/ip4/127.0.0.1/tcp/9001/ws/p2p/${peerId}`)).toEqual({
      host: '127.0.0.1:9001',
      path: 'direct',
      transport: 'WebSocket',
    })
    expect(describeConnection(`/dns4/relay.example.org/tcp/443/wss/p2p/${peerId}`).transport).toBe(
      'secure WebSocket',
    )
  })

  it('calls a connection through /p2p-circuit relayed, and WebRTC by name', () => {
    const circuit = `/ip4/10.0.0.1/tcp/443/wss/p2p/12D3KooWHop/p2p-circuit/p2p/${peerId}`
    expect(describeConnection(circuit)).toMatchObject({ host: '10.0.0.1:443', path: 'relayed' })
    expect(describeConnection(`${circuit.replace(`/p2p/${peerId}`, '')}/webrtc/p2p/${peerId}`)).toMatchObject(
      {
        path: 'relayed',
        transport: 'WebRTC',
      },
    )
  })
})
