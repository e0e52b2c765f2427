import type { Libp2p, PeerId, PrivateKey, Stream } from '@libp2p/interface'
import { type Multiaddr, multiaddr } from '@multiformats/multiaddr'
import type { Uint8ArrayList } from 'uint8arraylist'
import { FrameDecoder } from '../../shared/wire/frame-decoder.ts'
import { createWorkerNode } from '../../worker/core/create-worker-node.ts'
import type { FuzzedRelay } from './fuzzed-relay.ts'
import { memberKeys } from './member-keys.ts'

/** Replies the fuzz waits for (welcome, assign, a block header) come within this, or not at all. */
export const REPLY_BOUND_MS = 2_000
const STOP_BOUND_MS = 3_000

/** Inputs one peer identity serves before the pool replaces it. */
const MAX_USES = 25

/**
 * A libp2p peer of the fuzz: the worker node (WebSockets, noise, yamux, identify, ping).
 */
export class FuzzPeer {
  readonly node: Libp2p
  readonly relayAddress: Multiaddr

  private constructor(node: Libp2p, relayAddress: Multiaddr) {
    this.node = node
    this.relayAddress = relayAddress
  }

  static async start(relay: FuzzedRelay, privateKey?: PrivateKey): Promise<FuzzPeer> {
    return new FuzzPeer(
      await createWorkerNode(privateKey === undefined ? {} : { privateKey }),
      multiaddr(relay.p2pAddress),
    )
  }

  /** A stream of `protocol` to the relay, or the reason it could not be opened (refused, banned, reset). */
  async open(protocol: string): Promise<RawStream | string> {
    try {
      const stream = await this.node.dialProtocol(this.relayAddress, protocol, {
        signal: AbortSignal.timeout(REPLY_BOUND_MS * 2),
      })
      return new RawStream(stream)
    } catch (err) {
      return (err as Error).message
    }
  }

  /**
   * A ping over the connection to the relay: yamux keeps the order of frames, so when
   * the pong is back the relay has read everything this peer sent before it.
   */
  async sync(): Promise<void> {
    const ping = (this.node.services as { ping?: { ping(p: PeerId, o: object): Promise<number> } }).ping
    const connection = this.node.getConnections().find((c) => c.status === 'open')
    if (!ping || !connection) return
    await ping.ping(connection.remotePeer, { signal: AbortSignal.timeout(REPLY_BOUND_MS) }).catch(() => {})
  }

  /** Whether the peer has a live connection to the relay. */
  get connected(): boolean {
    return this.node.getConnections().some((c) => c.status === 'open')
  }

  async stop(): Promise<void> {
    await Promise.race([
      (async () => this.node.stop())().catch(() => {}),
      new Promise((resolve) => setTimeout(resolve, STOP_BOUND_MS)),
    ])
  }
}

/**
 * Peers for the inputs. Dialling costs ~300 ms (noise, identify), so a peer serves many
 * inputs; it is replaced after MAX_USES, when the relay closes its connection (strikes
 * are the relay's right, and bans per PeerId must not end the fuzz), when the relay
 * moved (restarted) and when a stream cannot be opened.
 */
export class PeerPool {
  private readonly relay: FuzzedRelay
  private current: { peer: FuzzPeer; address: string; uses: number; wasConnected: boolean } | undefined

  private readonly members: boolean
  private replaced = 0

  /** With `members`, its peers are the relay's member relays (tests/fuzz/member-keys.ts), in turn. */
  constructor(relay: FuzzedRelay, options: { members?: boolean } = {}) {
    this.relay = relay
    this.members = options.members ?? false
  }

  async peer(): Promise<FuzzPeer> {
    const c = this.current
    const stale =
      !c || c.address !== this.relay.p2pAddress || c.uses >= MAX_USES || (c.wasConnected && !c.peer.connected)
    if (stale) await this.replace()
    const current = this.current as NonNullable<PeerPool['current']>
    current.uses++
    return current.peer
  }

  /**
   * A stream of `protocol`; a peer that cannot open one is replaced once (unless the
   * protocol is one the relay is not expected to run).
   */
  async open(
    protocol: string,
    options: { retry?: boolean } = {},
  ): Promise<{ peer: FuzzPeer; stream: RawStream | string }> {
    let peer = await this.peer()
    let stream = await peer.open(protocol)
    if (typeof stream === 'string' && options.retry !== false) {
      await this.replace()
      peer = await this.peer()
      stream = await peer.open(protocol)
    }
    if (this.current) this.current.wasConnected ||= peer.connected
    return { peer, stream }
  }

  async replace(): Promise<void> {
    const old = this.current
    this.current = undefined
    await old?.peer.stop()
    const keys = this.members ? await memberKeys() : []
    const key = keys[this.replaced++ % Math.max(1, keys.length)]
    this.current = {
      peer: await FuzzPeer.start(this.relay, key),
      address: this.relay.p2pAddress,
      uses: 0,
      wasConnected: false,
    }
  }

  async stop(): Promise<void> {
    await this.current?.peer.stop()
    this.current = undefined
  }
}

/**
 * One stream driven byte by byte: writes never throw (the relay may reset the stream
 * at any point, which is its right) and every wait is bounded. What the relay sends
 * back is split into length-prefixed frames for the tests that read replies.
 */
export class RawStream {
  readonly stream: Stream
  readonly frames: Uint8Array[] = []
  private readonly waiters: Array<() => void> = []
  private ended = false

  constructor(stream: Stream) {
    this.stream = stream
    // Generous: replies are read for their content (an assign, a block), not judged by size.
    const decoder = new FrameDecoder(128 * 1024 * 1024)
    stream.addEventListener('message', (event) => {
      const decoded = decoder.push(event.data as Uint8Array | Uint8ArrayList)
      if (decoded.ok) this.frames.push(...decoded.frames.map((f) => f.slice()))
      this.wake()
    })
    stream.addEventListener('close', () => {
      this.ended = true
      this.wake()
    })
  }

  get open(): boolean {
    return !this.ended && this.stream.status === 'open' && this.stream.writeStatus === 'writable'
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w()
  }

  async send(bytes: Uint8Array | Uint8ArrayList): Promise<boolean> {
    if (!this.open) return false
    try {
      if (!this.stream.send(bytes)) {
        await this.stream.onDrain({ signal: AbortSignal.timeout(REPLY_BOUND_MS) })
      }
      return true
    } catch {
      return false
    }
  }

  /** The JSON messages received so far (frames that are not JSON are skipped). */
  messages(): any[] {
    return this.frames.flatMap((f) => {
      try {
        return [JSON.parse(new TextDecoder().decode(f))]
      } catch {
        return []
      }
    })
  }

  /** Waits until a received message matches, the stream ends, or the bound passes. */
  async waitFor(match: (message: any) => boolean, boundMs = REPLY_BOUND_MS): Promise<any | undefined> {
    const deadline = performance.now() + boundMs
    for (;;) {
      const found = this.messages().find(match)
      if (found !== undefined || this.ended || performance.now() >= deadline) return found
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.max(1, deadline - performance.now()))
        this.waiters.push(() => {
          clearTimeout(timer)
          resolve()
        })
      })
    }
  }

  /** Waits until the relay closes or resets its side, or the bound passes. */
  async waitEnd(boundMs = REPLY_BOUND_MS): Promise<void> {
    await this.waitFor(() => false, boundMs)
  }

  async closeWrite(): Promise<void> {
    if (!this.open) return
    await this.stream.close({ signal: AbortSignal.timeout(REPLY_BOUND_MS) }).catch(() => {})
  }

  abort(): void {
    if (this.ended) return
    try {
      this.stream.abort(new Error('fuzz input done'))
    } catch {}
  }
}
