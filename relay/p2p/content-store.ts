import type { Helia } from 'helia'
import { CID } from 'multiformats/cid'
import { McppError } from '../../shared/errors.ts'
import { cidOf } from '../../shared/wire/block-protocol.ts'

/**
 * Content-addressed blocks in the relay's Helia blockstore (`<data-dir>/blocks`): task
 * inputs and results above the inline limit. Addresses are CIDv1 raw sha2-256 strings.
 */
export class ContentStore {
  private readonly helia: () => Promise<Helia>

  constructor(helia: () => Promise<Helia>) {
    this.helia = helia
  }

  async put(bytes: Uint8Array): Promise<string> {
    const cid = await cidOf(bytes)
    await (await this.helia()).blockstore.put(cid, bytes)
    return cid.toString()
  }

  /**
   * The block's bytes, or undefined when this relay does not hold it (or the CID is
   * malformed). Offline: Helia's blockstore would otherwise ask the network for a block
   * it lacks and wait until the caller gives up.
   */
  async get(cid: string): Promise<Uint8Array | undefined> {
    let parsed: CID
    try {
      parsed = CID.parse(cid)
    } catch {
      return undefined
    }
    const { blockstore } = await this.helia()
    const chunks: Uint8Array[] = []
    try {
      for await (const chunk of blockstore.get(parsed, { offline: true })) chunks.push(chunk)
    } catch (err) {
      const name = (err as Error).name
      if (name === 'BlockNotFoundWhileOfflineError' || name === 'NotFoundError') return undefined
      throw err
    }
    if (chunks.length === 1) return chunks[0]
    const out = new Uint8Array(chunks.reduce((n, c) => n + c.byteLength, 0))
    let offset = 0
    for (const c of chunks) {
      out.set(c, offset)
      offset += c.byteLength
    }
    return out
  }

  putJson(value: unknown): Promise<string> {
    return this.put(new TextEncoder().encode(JSON.stringify(value)))
  }

  async getJson(cid: string): Promise<unknown> {
    const bytes = await this.get(cid)
    if (bytes === undefined) throw new McppError('NOT_FOUND', `no block ${cid} on this relay`, { cid })
    try {
      return JSON.parse(new TextDecoder().decode(bytes))
    } catch (err) {
      throw new McppError('BAD_DATA', `block ${cid} is not JSON: ${(err as Error).message}`, { cid })
    }
  }
}
