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
  await helia.start()
  return {
    helia,
    stop: async () => {
      await helia.stop()
      await blockstore.close()
    },
  }
}
