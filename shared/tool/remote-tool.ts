import { z } from 'zod'
import { type PublishedTool, TOOL_META_KEY } from './publish.ts'
import type { Tool } from './types.ts'

/**
 * A tool known only by its published shape (`/api/tools`, `tools/list`): what the edge
 * holds for the relays' tools (issue 14). It answers the catalogue meta-tools exactly
 * as the relay would (`publishTool` of it gives back `published`), has no handler, and
 * is never validated or run where it is held: a call to it goes to a relay.
 */
export function remoteTool(published: PublishedTool): Tool {
  const meta = published._meta[TOOL_META_KEY]
  const params = Object.keys((published.inputSchema.properties as Record<string, unknown> | undefined) ?? {})
  const annotations = { ...published.annotations }
  return {
    name: published.name,
    category: meta.category,
    description: published.description,
    // Only the parameter names matter here (tools_search ranks by them).
    input: z.object(Object.fromEntries(params.map((p) => [p, z.unknown()]))),
    output: z.object({}),
    annotations,
    runtime: meta.runtime,
    requiresP2P: meta.requiresP2P,
    timeoutMs: meta.timeoutMs,
    taskKind: undefined,
    handlers: {},
    runtimes: new Set(meta.runtimes),
    example: meta.examples[0],
    renamed: {},
    inputJsonSchema: published.inputSchema as Tool['inputJsonSchema'],
    outputJsonSchema: published.outputSchema as Tool['outputJsonSchema'],
  }
}
