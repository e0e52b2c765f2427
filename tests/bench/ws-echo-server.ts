import { once } from 'node:events'
import type { AddressInfo } from 'node:net'
import { type WebSocket, WebSocketServer } from 'ws'

export interface WsPinger {
  url: string
  /** Times `count` round trips of 64 bytes to the first page that connected and echoes. */
  roundTrips(count: number): Promise<number[]>
  close(): Promise<void>
}

/**
 * The transport floor under the P2P numbers: a page connects and echoes every message
 * back; Node sends and times the round trips, so no debugger needs to be attached to
 * the page while it is measured.
 */
export async function startWsPinger(): Promise<WsPinger> {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0 })
  const connected = once(server, 'connection') as Promise<[WebSocket]>
  await once(server, 'listening')
  const { port } = server.address() as AddressInfo
  return {
    url: `ws://127.0.0.1:${port}`,
    async roundTrips(count) {
      const [socket] = await connected
      const payload = Buffer.alloc(64)
      const rtts: number[] = []
      for (let i = 0; i < count; i++) {
        const started = performance.now()
        const echoed = once(socket, 'message')
        socket.send(payload)
        await echoed
        rtts.push(performance.now() - started)
      }
      return rtts
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const client of server.clients) client.terminate()
        server.close(() => resolve())
      }),
  }
}
