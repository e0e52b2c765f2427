import { createReadStream, statSync } from 'node:fs'
import { open } from 'node:fs/promises'
import type { UnixFS } from '@helia/unixfs'
import type { CID } from 'multiformats/cid'
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
  options: { signal?: AbortSignal | undefined; param?: string; path?: string } = {},
): Promise<number> {
  const { fs } = await fsOf(deps)
  let parsed = parseCid(cid, options.param)
  if (options.path !== undefined) parsed = await childOf(fs, parsed, options.path, options.signal)
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
      throw notFound(options.path ? `${cid}/${options.path}` : cid, err)
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

/** The CID of the entry `name` in the directory `dir` (NOT_FOUND when it has none). */
async function childOf(fs: UnixFS, dir: CID, name: string, signal?: AbortSignal): Promise<CID> {
  try {
    for await (const entry of fs.ls(dir, { ...OFFLINE, ...(signal ? { signal } : {}) })) {
      if (entry.name === name) return entry.cid
    }
  } catch (err) {
    throw notFound(`${dir}/${name}`, err)
  }
  throw notFound(`${dir}/${name}`, new Error('no such entry'))
}

/** Adds a folder's files to IPFS as a UnixFS directory and pins it; returns the directory CID. */
export async function addDirectory(
  deps: IpfsDeps,
  dir: string,
  options: { signal?: AbortSignal | undefined } = {},
): Promise<string> {
  const { helia, fs } = await fsOf(deps)
  const { globSource } = await import('@helia/unixfs')
  const signal = options.signal ? { signal: options.signal } : {}
  const source = globSource(dir, '**/*') as unknown as Parameters<typeof fs.addAll>[0]
  let root: CID | undefined
  for await (const entry of fs.addAll(source, { wrapWithDirectory: true, ...signal })) {
    if (entry.path === '') root = entry.cid
  }
  if (root === undefined) throw new Error('the importer returned no root')
  if (!(await helia.pins.isPinned(root))) {
    for await (const _ of helia.pins.add(root, signal)) {
      // pinning walks the DAG
    }
  }
  return root.toString()
}
