import { constants } from 'node:fs'
import { open, readdir } from 'node:fs/promises'
import { join } from 'node:path'

export interface TreeEntry {
  /** Absolute path. */
  path: string
  /** Path below the walked folder, `/`-separated. */
  relative: string
  kind: 'file' | 'directory' | 'symlink' | 'other'
}

export interface WalkTreeOptions {
  /** Descend into sub-folders (default true). */
  recursive?: boolean
  /** Include names starting with a dot (default true). */
  hidden?: boolean
  signal?: AbortSignal | undefined
}

/**
 * The entries under a folder (a folder's entries in name order, then each sub-folder's,
 * depth first), without ever following a
 * symbolic link: a link is yielded as kind `symlink` and is neither entered nor read,
 * so a walk cannot leave the folder it starts in. The rule is "skip links", not
 * "follow links that stay inside the roots": it needs no second confinement check per
 * entry, cannot loop, and cannot be raced by a link retargeted mid-walk (issue 9).
 * it-glob (behind Helia's globSource) follows links to folders, which is how `ipfs_add`
 * of a folder escaped the roots; Node's `readdirSync({ recursive })` follows them too
 * (the async one does not, today), so no walk here relies on either.
 */
export async function* walkTree(dir: string, options: WalkTreeOptions = {}): AsyncGenerator<TreeEntry> {
  const recursive = options.recursive ?? true
  const hidden = options.hidden ?? true
  // An explicit stack rather than recursion: folder depth is not ours to bound.
  const stack: Array<{ path: string; relative: string }> = [{ path: dir, relative: '' }]
  while (stack.length > 0) {
    options.signal?.throwIfAborted()
    const folder = stack.pop() as { path: string; relative: string }
    const entries = await readdir(folder.path, { withFileTypes: true })
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    const subfolders: Array<{ path: string; relative: string }> = []
    for (const entry of entries) {
      if (!hidden && entry.name.startsWith('.')) continue
      const path = join(folder.path, entry.name)
      const relative = folder.relative === '' ? entry.name : `${folder.relative}/${entry.name}`
      // Dirent types come from lstat semantics: a link to a folder is a link, not a folder.
      const kind = entry.isSymbolicLink()
        ? 'symlink'
        : entry.isDirectory()
          ? 'directory'
          : entry.isFile()
            ? 'file'
            : 'other'
      yield { path, relative, kind }
      if (kind === 'directory' && recursive) subfolders.push({ path, relative })
    }
    for (let i = subfolders.length - 1; i >= 0; i--) stack.push(subfolders[i] as (typeof subfolders)[number])
  }
}

/**
 * Reads a file found by a walk, refusing (ELOOP) if its last name became a symbolic
 * link since the walk saw a regular file there. Opened on the first read, so a reader
 * that is never consumed holds no file descriptor.
 */
export async function* readNoFollow(path: string, chunkBytes = 256 * 1024): AsyncGenerator<Uint8Array> {
  const file = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW)
  try {
    while (true) {
      const { bytesRead, buffer } = await file.read(Buffer.allocUnsafe(chunkBytes), 0, chunkBytes, null)
      if (bytesRead === 0) return
      yield buffer.subarray(0, bytesRead)
    }
  } finally {
    await file.close()
  }
}
