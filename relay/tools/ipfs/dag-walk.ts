import type { GraphNode, GraphWalker, GraphWalkerComponents, WalkOptions } from 'helia'
import { createUnsafe } from 'multiformats/block'
import type { CID } from 'multiformats/cid'
import { McppError } from '../../../shared/errors.ts'
import { MAX_DAG_BLOCKS } from './limits.ts'

export interface DagWalkOptions extends WalkOptions<unknown> {
  /** Never ask the network for a block (default true: a relay serves what it holds). */
  offline?: boolean
  /** Skip a missing block instead of failing (unpinning content that is partly gone). */
  skipMissing?: boolean
  maxBlocks?: number
}

interface Pending {
  cid: CID
  depth: number
  parent: Pending | undefined
}

/**
 * Walks the DAG under `root` depth first, reading one block at a time in the caller's
 * own flow, and visiting each block once.
 *
 * It replaces Helia's graph walkers (@helia/utils 3.0.5), used by pinning and by
 * @helia/car's export. Those run each block read as a detached queue job and, when one
 * fails, call `gen.throw()` and drop the promise it returns: a missing block became an
 * unhandled rejection that killed the relay after the call had already answered
 * NOT_FOUND (issue 9). They also revisit a block once per link to it, so a small DAG
 * whose nodes link the same child many times is walked an exponential number of times.
 * Here every failure is thrown to the caller, the walk stops at `maxBlocks` distinct
 * blocks, and aborting the signal stops it at the next block.
 */
export async function* walkDag(
  components: GraphWalkerComponents,
  root: CID,
  options: DagWalkOptions = {},
): AsyncGenerator<GraphNode<unknown>> {
  const maxBlocks = options.maxBlocks ?? MAX_DAG_BLOCKS
  const maxDepth = options.depth ?? Number.POSITIVE_INFINITY
  const read = { offline: options.offline ?? true, ...(options.signal ? { signal: options.signal } : {}) }
  const seen = new Set<string>()
  const stack: Pending[] = [{ cid: root, depth: 0, parent: undefined }]
  while (stack.length > 0) {
    options.signal?.throwIfAborted()
    const next = stack.pop() as Pending
    // Keyed by multihash: the same bytes under CIDv0 and CIDv1 are one block.
    const key = next.cid.multihash.bytes.toString()
    if (seen.has(key)) continue
    if (seen.size >= maxBlocks) {
      throw new McppError('BAD_DATA', `the DAG under ${root} has more than ${maxBlocks} distinct blocks`, {
        cid: root.toString(),
        maxBlocks,
      })
    }
    seen.add(key)
    let bytes: Uint8Array
    try {
      bytes = await readBlock(components, next.cid, read)
    } catch (err) {
      if (options.skipMissing && isMissing(err)) continue
      throw err
    }
    const block = createUnsafe({ cid: next.cid, bytes, codec: await components.getCodec(next.cid.code) })
    yield nodeOf(block, next)
    if (next.depth >= maxDepth) continue
    const children: Pending[] = []
    for (const [, child] of block.links()) {
      if (options.includeChild?.(child, block) === false) continue
      children.push({ cid: child, depth: next.depth + 1, parent: next })
    }
    // Reversed so that children are visited in link order.
    for (let i = children.length - 1; i >= 0; i--) stack.push(children[i] as Pending)
  }
}

/** A Helia walker factory (for `pins.add`/`pins.rm`) built on walkDag. */
export function safeWalker(init: Pick<DagWalkOptions, 'skipMissing' | 'maxBlocks'> = {}) {
  return (components: GraphWalkerComponents): GraphWalker => ({
    walk: <T>(cid: CID, options: WalkOptions<T> = {}) =>
      walkDag(components, cid, { ...(options as DagWalkOptions), ...init }) as AsyncGenerator<GraphNode<T>>,
  })
}

/** Whether an error means "this block is not here" (and the node may not fetch it). */
export function isMissing(err: unknown): boolean {
  const name = (err as Error | undefined)?.name
  return name === 'NotFoundError' || name === 'BlockNotFoundWhileOfflineError'
}

async function readBlock(
  components: GraphWalkerComponents,
  cid: CID,
  options: { offline: boolean; signal?: AbortSignal },
): Promise<Uint8Array> {
  const chunks: Uint8Array[] = []
  try {
    for await (const chunk of components.blockstore.get(cid, options)) chunks.push(chunk)
  } catch (err) {
    if (isMissing(err)) throw new MissingBlockError(cid)
    throw err
  }
  return chunks.length === 1 ? (chunks[0] as Uint8Array) : Buffer.concat(chunks)
}

/** A block of a DAG that this relay does not hold. */
export class MissingBlockError extends Error {
  readonly cid: CID
  constructor(cid: CID) {
    super(`block ${cid} is not in this relay's blockstore`)
    this.name = 'BlockNotFoundWhileOfflineError'
    this.cid = cid
  }
}

function nodeOf(block: GraphNode<unknown>['block'], at: Pending): GraphNode<unknown> {
  return {
    block,
    depth: at.depth,
    // Built only when asked for: copying it per node would cost depth² on a long chain.
    get path() {
      const path: CID[] = []
      for (let p: Pending | undefined = at; p; p = p.parent) path.unshift(p.cid)
      return path
    },
  }
}
