import type { Libp2p } from '@libp2p/interface'
import type { Helia } from 'helia'
import type { Datastore } from 'interface-datastore'

/**
 * Starts Helia on an existing libp2p node: a light Helia (blockstore in `blocksDir`,
 * the node's datastore for pins) given the node as its `libp2p`, plus bitswap. Loaded
 * with `import()` so that the relay only pays for Helia once content is used.
 */
export async function attachHelia(
  libp2p: Libp2p,
  datastore: Datastore,
  blocksDir: string,
  mayFetch: (peerId: string) => boolean = () => true,
): Promise<{ helia: Helia; stop(): Promise<void> }> {
  const [{ createHeliaLight }, { withBitswap }, { FsBlockstore }, dagCbor, dagJson, json] = await Promise.all(
    [
      import('helia'),
      import('@helia/bitswap'),
      import('blockstore-fs'),
      import('@ipld/dag-cbor'),
      import('@ipld/dag-json'),
      import('multiformats/codecs/json'),
    ],
  )
  const blockstore = new FsBlockstore(blocksDir)
  await blockstore.open()
  // Light Helia knows dag-pb and raw; the IPLD codecs are what createHelia adds too.
  const light = createHeliaLight({ blockstore, datastore, codecs: [dagCbor, dagJson, json] })
  Object.defineProperty(light, 'libp2p', { value: libp2p, enumerable: true })
  const helia = withBitswap(light as typeof light & { libp2p: Libp2p })
  await gateBitswap(libp2p, mayFetch, async () => {
    await helia.start()
  })
  return {
    helia,
    stop: async () => {
      await helia.stop()
      await blockstore.close()
    },
  }
}

/**
 * Serves bitswap only to peers `mayFetch` allows (member relays): the blockstore holds
 * the operator's own content and task payloads, which a connected stranger must not
 * read by CID (issue 9). @helia/bitswap has no per-peer policy, so its inbound
 * handlers are wrapped as it registers them; the relay's own wants are unaffected.
 */
async function gateBitswap(
  libp2p: Libp2p,
  mayFetch: (peerId: string) => boolean,
  start: () => Promise<void>,
) {
  const handle = libp2p.handle.bind(libp2p)
  libp2p.handle = ((protocols, handler, options) => {
    const names = Array.isArray(protocols) ? protocols : [protocols]
    if (!names.some((p) => p.startsWith('/ipfs/bitswap/'))) return handle(protocols, handler, options)
    return handle(
      protocols,
      (stream, connection) => {
        if (mayFetch(connection.remotePeer.toString())) return handler(stream, connection)
        stream.abort(new Error('bitswap is served to member relays only'))
      },
      options,
    )
  }) as Libp2p['handle']
  try {
    await start()
  } finally {
    libp2p.handle = handle
  }
}
