import type { ConnectionType } from '../../shared/dashboard/snapshot-types.ts'

/**
 * Names a libp2p connection by its remote multiaddr: a circuit-relay hop wins over the
 * transport under it (a relayed WebSocket is "relayed"), WebRTC next, then the plain
 * transports. No address (the worker's connection is gone) is "unknown".
 */
export function connectionType(remoteAddr: string | undefined): ConnectionType {
  if (remoteAddr === undefined) return 'unknown'
  if (remoteAddr.includes('/p2p-circuit')) return 'relayed'
  if (remoteAddr.includes('/webrtc')) return 'webrtc'
  if (/\/wss?(\/|$)|\/tls\/ws(\/|$)/.test(remoteAddr)) return 'websocket'
  if (remoteAddr.includes('/tcp/')) return 'tcp'
  return 'other'
}
