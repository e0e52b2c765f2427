import { createReadStream, statSync } from 'node:fs'
import { rm } from 'node:fs/promises'
import type { UnixFS } from '@helia/unixfs'
import type { CID } from 'multiformats/cid'
import { readNoFollow, walkTree } from '../../files/walk-tree.ts'
import { writeFileTo } from './get.ts'
import { fsOf, type IpfsDeps, OFFLINE, parseCid } from './ipfs-deps.ts'
import { contentError, notFound, scoped } from './ipfs-errors.ts'
import { MAX_SAVE_BYTES } from './limits.ts'
import { pinDag } from './pin-dag.ts'

/**
 * Writes the file behind a CID (from this relay's blockstore, never the network) to
 * `target`, streaming, at most MAX_SAVE_BYTES. Returns the number of bytes written.
 * Another category's tools use this to read inputs given by CID.
 */
export async function catToFile(
  deps: IpfsDeps,
  cid: string,
  target: string,
  options: { signal?: AbortSignal | undefined; param?: string; path?: string } = {},
): Promise<number> {
  const { fs } = await fsOf(deps)
  const shown = options.path ? `${cid}/${options.path}` : cid
  let parsed = parseCid(cid, options.param)
  return scoped(options.signal, async (signal) => {
    try {
      if (options.path !== undefined) parsed = await childOf(fs, parsed, options.path, signal)
      const stat = await fs.stat(parsed, { ...OFFLINE, signal })
      const budget = { bytes: MAX_SAVE_BYTES, entries: 1, skipped: [], signal }
      return await writeFileTo(fs, parsed, target, Number(stat.size), budget)
    } catch (err) {
      await rm(target, { force: true })
      throw contentError(shown, err, options.signal, options.param)
    }
  })
}

/** Adds a file to IPFS (UnixFS, streamed) and pins it; returns its CID and size. */
export async function addFile(
  deps: IpfsDeps,
  path: string,
  options: { signal?: AbortSignal | undefined } = {},
): Promise<{ cid: string; size: number }> {
  const { helia, fs } = await fsOf(deps)
  const signal = options.signal ?? new AbortController().signal
  const cid = await fs.addByteStream(createReadStream(path), { signal })
  await pinDag(helia, cid, signal)
  return { cid: cid.toString(), size: statSync(path).size }
}

/** The CID of the entry `name` in the directory `dir` (NOT_FOUND when it has none). */
async function childOf(fs: UnixFS, dir: CID, name: string, signal: AbortSignal): Promise<CID> {
  for await (const entry of fs.ls(dir, { ...OFFLINE, signal })) {
    if (entry.name === name) return entry.cid
  }
  throw notFound(`${dir}/${name}`)
}

/**
 * Adds a folder's files to IPFS as a UnixFS directory (wrapped, so the folder's own
 * name is not part of it) and pins it unless told not to. Symbolic links are never followed: they are
 * left out and listed in `skippedSymlinks` (see walkTree), so content outside the
 * folder never reaches the blockstore.
 */
export async function addTree(
  deps: IpfsDeps,
  dir: string,
  options: { signal?: AbortSignal | undefined; hidden?: boolean; pin?: boolean } = {},
): Promise<{ cid: CID; skippedSymlinks: string[] }> {
  const { helia, fs } = await fsOf(deps)
  const signal = options.signal ?? new AbortController().signal
  const skippedSymlinks: string[] = []
  async function* candidates() {
    for await (const entry of walkTree(dir, { hidden: options.hidden ?? true, signal })) {
      if (entry.kind === 'directory') yield { path: entry.relative }
      else if (entry.kind === 'file') yield { path: entry.relative, content: readNoFollow(entry.path) }
      else if (entry.kind === 'symlink') skippedSymlinks.push(entry.relative)
      // Pipes, sockets and devices are left out too: reading one could block forever.
    }
  }
  let root: CID | undefined
  for await (const entry of fs.addAll(candidates(), { wrapWithDirectory: true, signal })) {
    if (entry.path === '') root = entry.cid
  }
  if (root === undefined) throw new Error('the importer returned no root')
  if (options.pin ?? true) await pinDag(helia, root, signal)
  return { cid: root, skippedSymlinks }
}

/** addTree without hidden files, returning the directory CID. */
export async function addDirectory(
  deps: IpfsDeps,
  dir: string,
  options: { signal?: AbortSignal | undefined } = {},
): Promise<string> {
  return (await addTree(deps, dir, { ...options, hidden: false })).cid.toString()
}
