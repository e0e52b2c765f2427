import { z } from 'zod'
import { exampleParams } from './example-params.ts'
import { PLACEMENTS, RUNTIMES, type Tool } from './types.ts'

/** The `_meta` key under which a published tool carries what MCP++ adds to MCP's fields. */
export const TOOL_META_KEY = 'mcpp/tool'

/** A JSON object of any fields, as published (annotations, examples, a tool's result). */
export const jsonObject = z.record(z.string(), z.unknown())
const jsonSchema = z.looseObject({ type: z.literal('object') })

/**
 * How a tool is shown to the outside, in one shape for MCP `tools/list`, the HTTP
 * catalogue (`/api/tools`) and `tools_get_schema`. The top level is MCP's `Tool`
 * (spec 2025-11-25); MCP++'s own facts sit under `_meta["mcpp/tool"]`, because `_meta`
 * is where MCP lets a server extend its objects and where SDK clients keep them (they
 * drop unknown top-level fields).
 */
export const publishedToolSchema = z.object({
  name: z.string(),
  title: z.string().optional(),
  description: z.string(),
  inputSchema: jsonSchema.describe('JSON Schema 2020-12 of the parameters'),
  outputSchema: jsonSchema.describe('JSON Schema 2020-12 of the structured result'),
  annotations: jsonObject.describe('MCP tool annotations (title and hints)'),
  _meta: z.object({
    [TOOL_META_KEY]: z.object({
      category: z.string(),
      runtime: z.enum(PLACEMENTS).describe('Declared placement'),
      runtimes: z.array(z.enum(RUNTIMES)).describe('Where it has code to run'),
      requiresP2P: z.boolean(),
      timeoutMs: z.number().int().optional(),
      examples: z.array(jsonObject).describe('Parameters that the input schema accepts'),
    }),
  }),
})

export type PublishedTool = z.infer<typeof publishedToolSchema>

const published = new WeakMap<Tool, PublishedTool>()

/** A tool as published (computed once per tool; callers must not change it). */
export function publishTool(tool: Tool): PublishedTool {
  let out = published.get(tool)
  if (out === undefined) {
    out = {
      name: tool.name,
      ...(tool.annotations.title === undefined ? {} : { title: tool.annotations.title }),
      description: tool.description,
      inputSchema: tool.inputJsonSchema,
      outputSchema: tool.outputJsonSchema,
      annotations: { ...tool.annotations },
      _meta: {
        [TOOL_META_KEY]: {
          category: tool.category,
          runtime: tool.runtime,
          runtimes: [...tool.runtimes],
          requiresP2P: tool.requiresP2P,
          ...(tool.timeoutMs === undefined ? {} : { timeoutMs: tool.timeoutMs }),
          examples: [exampleParams(tool)],
        },
      },
    }
    published.set(tool, out)
  }
  return out
}
