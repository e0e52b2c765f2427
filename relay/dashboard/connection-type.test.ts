import { describe, expect, it } from 'vitest'
import { connectionType } from './connection-type.ts'

describe('connectionType', () => {
  it('names a relayed connection by its circuit hop, not the transport under it', () => {
    expect(connectionType('/ip4/1.2.3.4/tcp/9/ws/p2p/QmA/p2p-circuit/p2p/QmB')).toBe('relayed')
  })
  it('names WebRTC, WebSocket and TCP connections', () => {
    expect(connectionType('/ip4/1.2.3.4/udp/9/webrtc-direct/certhash/x')).toBe('webrtc')
    expect(connectionType('/ip4/127.0.0.1/tcp/9/ws')).toBe('websocket')
    expect(connectionType('/dns4/a.example/tcp/443/tls/ws/p2p/QmA')).toBe('websocket')
    expect(connectionType('/ip4/127.0.0.1/tcp/9')).toBe('tcp')
  })
  it('says unknown without an address', () => {
    expect(connectionType(undefined)).toBe('unknown')
  })
})
