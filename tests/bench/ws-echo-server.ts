import type { AddressInfo } from 'node:net'
import { WebSocketServer } from 'ws'

/** A plain WebSocket echo server: the transport floor under the P2P numbers. */
export async function startWsEcho(): Promise<{ url: string; close(): Promise<void> }> {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0 })
  server.on('connection', (socket) => socket.on('message', (data, binary) => socket.send(data, { binary })))
  await new Promise<void>((resolve) => server.once('listening', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `ws://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}
