/** The relay's tool catalogue: every category, built from one deps object. */
import { createMetaTools, META_CATEGORY } from '../../shared/manager/meta-tools.ts'
import type { ToolCategory } from '../../shared/tool/types.ts'
import { textCategory } from '../../shared/tools/text/index.ts'
import { offloadTools } from '../compute/offload-tools.ts'
import { analyticsTools } from './analytics.ts'
import { auditTools } from './audit.ts'
import { cacheTools } from './cache.ts'
import { datasetTools } from './dataset/index.ts'
import { fileTools } from './file.ts'
import { graphTools } from './graph/index.ts'
import { ipfsTools } from './ipfs/index.ts'
import { mediaTools } from './media.ts'
import { peerToolCategories } from './peers/index.ts'
import { searchTools } from './search/index.ts'
import { securityTools } from './security.ts'
import { systemTools } from './system.ts'
import { taskqueueTools } from './taskqueue/index.ts'
import type { ToolDeps } from './tool-deps.ts'
import { vectorTools } from './vector/index.ts'
import { workflowTools } from './workflow/index.ts'

/**
 * The categories in the order the reference lists them. Building them only declares
 * tools (nothing in `deps` is used until a tool is called), so a test can build the
 * catalogue without a relay.
 */
export function buildCatalog(deps: ToolDeps): ToolCategory[] {
  return [
    {
      info: META_CATEGORY,
      tools: createMetaTools({
        registry: deps.registry,
        call: (tool, params, ctx) => deps.executor.call(tool, params, ctx),
        canCall: deps.canCall,
      }),
    },
    systemTools(deps),
    cacheTools(deps),
    taskqueueTools(deps),
    workflowTools(deps),
    ...peerToolCategories(deps),
    ipfsTools(deps),
    auditTools(deps),
    graphTools(deps),
    datasetTools(deps),
    analyticsTools(deps),
    fileTools(deps),
    searchTools(deps),
    vectorTools(deps),
    mediaTools(deps),
    securityTools(deps),
    { info: textCategory.info, tools: offloadTools(textCategory.tools, deps.compute.pool) },
  ]
}
