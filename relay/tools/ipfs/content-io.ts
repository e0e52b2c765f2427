import { createReadStream, statSync } from 'node:fs'
import { open } from 'node:fs/promises'
import { fsOf, type IpfsDeps, notFound, OFFLINE, parseCid } from './ipfs-deps.ts'

/**
 * Writes the file behind a CID (from this relay's blockstore, never the network) to
 * `target`, streaming. Returns the number of bytes written. Another category's tools
 * use this to read inputs given by CID.
 */
export async function catToFile(
  deps: IpfsDeps,
  cid: string,
  target: string,
  options: { signal?: AbortSignal | undefined; param?: string } = {},
): Promise<number> {
  const { fs } = await fsOf(deps)
  const parsed = parseCid(cid, options.param)
  const file = await open(target, 'w')
  let size = 0
  try {
    for await (const chunk of fs.cat(parsed, {
      ...OFFLINE,
      ...(options.signal ? { signal: options.signal } : {}),
    })) {
      await file.write(chunk)
      size += chunk.byteLength
    }
  } catch (err) {
    if ((err as Error).name === 'NotFoundError' || /not found|offline/i.test((err as Error).message)) {
      throw notFound(cid, err)
    }
    throw err
  } finally {
    await file.close()
  }
  return size
}

/** Adds a file to IPFS (UnixFS, streamed) and pins it; returns its CID and size. */
export async function addFile(
  deps: IpfsDeps,
  path: string,
  options: { signal?: AbortSignal | undefined } = {},
): Promise<{ cid: string; size: number }> {
  const { helia, fs } = await fsOf(deps)
  const signal = options.signal ? { signal: options.signal } : {}
  const cid = await fs.addByteStream(createReadStream(path), signal)
  if (!(await helia.pins.isPinned(cid))) {
    for await (const _ of helia.pins.add(cid, signal)) {
      // pinning walks the DAG; nothing to do per block
    }
  }
  return { cid: cid.toString(), size: statSync(path).size }
}
