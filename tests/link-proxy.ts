import { connect, createServer, type Socket } from 'node:net'

/**
 * A TCP proxy in front of one relay's libp2p port: the link between two relay
 * processes, which a test can cut and heal while both keep running (a partition).
 * A cut ends every connection through it (both sides see the link drop) and refuses
 * new ones until it heals. The relays must announce the proxy's address
 * (`--p2p-announce`), or they would learn each other's own address and go around it.
 */
export interface LinkProxy {
  port: number
  /** The multiaddr to dial `peerId` through this proxy. */
  address(peerId: string): string
  cut(): void
  heal(): void
  close(): Promise<void>
}

export async function linkProxy(targetPort: number): Promise<LinkProxy> {
  const sockets = new Set<Socket>()
  let up = true
  const server = createServer((inbound) => {
    if (!up) {
      inbound.destroy()
      return
    }
    const outbound = connect(targetPort, '127.0.0.1')
    const drop = () => {
      for (const s of [inbound, outbound]) {
        s.destroy()
        sockets.delete(s)
      }
    }
    for (const s of [inbound, outbound]) {
      sockets.add(s)
      s.on('error', drop).on('close', drop)
    }
    inbound.pipe(outbound)
    outbound.pipe(inbound)
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve())
  })
  const address = server.address()
  const port = typeof address === 'object' && address ? address.port : 0
  return {
    port,
    address: (peerId) => `/ip4/127.0.0.1/tcp/${port}/ws/p2p/${peerId}`,
    cut: () => {
      up = false
      for (const s of sockets) s.destroy()
      sockets.clear()
    },
    heal: () => {
      up = true
    },
    close: async () => {
      up = false
      for (const s of sockets) s.destroy()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}
