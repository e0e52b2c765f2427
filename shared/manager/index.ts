/** The hierarchical tool manager: meta-tools and the exposure modes over one registry. */
export { EXPOSURE_MODES, type ExposureMode, exposedTools, META_TOOL_NAMES } from './exposure.ts'
export { type CallResult, createMetaTools, META_CATEGORY, type MetaToolDeps } from './meta-tools.ts'
