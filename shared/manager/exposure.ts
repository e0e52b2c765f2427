import type { ToolRegistry } from '../tool/registry.ts'
import type { Tool } from '../tool/types.ts'

export type ExposureMode = 'meta' | 'flat' | 'hybrid'
export const EXPOSURE_MODES = ['meta', 'flat', 'hybrid'] as const
export const META_TOOL_NAMES = [
  'tools_list_categories',
  'tools_list_tools',
  'tools_get_schema',
  'tools_search',
  'tools_dispatch',
] as const

/**
 * Which tools MCP `tools/list` shows: the meta-tools (`meta`), every tool (`flat`), or
 * the meta-tools plus a configured list (`hybrid`). Unknown names in the hybrid list are
 * a configuration error, reported with the names that exist.
 */
export function exposedTools(registry: ToolRegistry, mode: ExposureMode, extra: readonly string[]): Tool[] {
  if (mode === 'flat') return registry.all()
  const names = mode === 'hybrid' ? [...META_TOOL_NAMES, ...extra] : [...META_TOOL_NAMES]
  return [...new Set(names)].map((name) => registry.require(name))
}
