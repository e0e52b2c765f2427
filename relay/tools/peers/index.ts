/** The 6 `p2p_peer_*` and 4 `p2p_bootstrap_*` tools over the peer book and the libp2p node. */
import type { ToolCategory } from '../../../shared/tool/types.ts'
import { DialHistory } from '../../peers/dial-history.ts'
import type { ToolDeps } from '../tool-deps.ts'
import { bootstrapTools } from './bootstrap-tools.ts'
import { liveTools } from './live-tools.ts'
import { peerBookTools } from './peer-book-tools.ts'
import { BOOTSTRAP_CATEGORY, PEER_CATEGORY } from './schemas.ts'

export type PeerToolDeps = Pick<
  ToolDeps,
  'peerBook' | 'libp2p' | 'directory' | 'bootstrap' | 'fileRoots' | 'now'
>

/** Two categories sharing one dial history (p2p_bootstrap_list shows the last dial per address). */
export function peerToolCategories(deps: PeerToolDeps): ToolCategory[] {
  const history = new DialHistory(deps.now)
  return [
    {
      info: PEER_CATEGORY,
      tools: [
        ...peerBookTools(deps.peerBook, deps.now),
        ...liveTools({
          libp2p: deps.libp2p,
          book: deps.peerBook,
          directory: deps.directory,
          history,
        }),
      ],
    },
    {
      info: BOOTSTRAP_CATEGORY,
      tools: bootstrapTools({
        libp2p: deps.libp2p,
        sources: deps.bootstrap,
        fileRoots: deps.fileRoots,
        history,
      }),
    },
  ]
}
