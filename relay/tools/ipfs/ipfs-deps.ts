import type { UnixFS } from '@helia/unixfs'
import type { Helia } from 'helia'
import { CID } from 'multiformats/cid'
import { McppError } from '../../../shared/errors.ts'

export interface IpfsDeps {
  helia: () => Promise<Helia>
  /** Folders tool paths may use; the first one resolves relative paths. */
  roots: readonly string[]
}

/**
 * Helia with a UnixFS view. The IPFS libraries are imported on first use, like Helia
 * itself, so that a relay that never touches content does not carry them (~7 MB).
 */
export async function fsOf(deps: IpfsDeps): Promise<{ helia: Helia; fs: UnixFS }> {
  const [helia, { unixfs }] = await Promise.all([deps.helia(), import('@helia/unixfs')])
  return { helia, fs: unixfs(helia) }
}

/** Parses a CID parameter, naming it when it is not one. */
export function parseCid(text: string, param = 'cid'): CID {
  try {
    return CID.parse(text)
  } catch (err) {
    throw new McppError('INVALID_PARAMS', `${param}: "${text}" is not a CID (${(err as Error).message})`, {
      problems: [{ param, problem: 'not a CID' }],
    })
  }
}

/** Reads never go to the network here: a block this relay lacks is a clear NOT_FOUND. */
export const OFFLINE = { offline: true } as const

/** MCP annotations shared by the ipfs tools. */
export const READS = { readOnlyHint: true, idempotentHint: true, openWorldHint: false } as const
export const STORES = {
  readOnlyHint: false,
  destructiveHint: false,
  idempotentHint: true,
  openWorldHint: false,
} as const
