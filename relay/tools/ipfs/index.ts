/** The `ipfs` category: UnixFS content on the relay's Helia node (work in progress for issue 4). */

import type { ToolCategory } from '../../../shared/tool/types.ts'
import type { ToolDeps } from '../tool-deps.ts'
import { ipfsAddTools } from './add.ts'
import { ipfsCarTools } from './car.ts'
import { ipfsDagTools } from './dag.ts'
import { ipfsGetTool } from './get.ts'
import { ipfsPinTools } from './pins.ts'
import { ipfsReadTools } from './read.ts'

export const IPFS_CATEGORY = {
  name: 'ipfs',
  description:
    "Content-addressed data on the relay's Helia node: UnixFS files and directories, pins, CAR export/import, DAG-JSON/DAG-CBOR",
}

export type IpfsToolDeps = Pick<ToolDeps, 'ipfs'>

export function ipfsTools({ ipfs: deps }: IpfsToolDeps): ToolCategory {
  return {
    info: IPFS_CATEGORY,
    tools: [
      ...ipfsAddTools(deps),
      ...ipfsReadTools(deps),
      ipfsGetTool(deps),
      ...ipfsPinTools(deps),
      ...ipfsCarTools(deps),
      ...ipfsDagTools(deps),
    ],
  }
}
