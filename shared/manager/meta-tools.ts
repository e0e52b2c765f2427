import { z } from 'zod'
import { DEFAULT_SEARCH_LIMIT, MAX_SEARCH_LIMIT } from '../constants.ts'
import { McppError } from '../errors.ts'
import { defineTool } from '../tool/define-tool.ts'
import { freeForm } from '../tool/free-form.ts'
import { jsonObject, publishedToolSchema, publishTool } from '../tool/publish.ts'
import type { ToolRegistry } from '../tool/registry.ts'
import { MAX_QUERY_CHARS, MAX_QUERY_TERMS } from '../tool/tool-search.ts'
import { PLACEMENTS, RUNTIMES, type Runtime, type Tool, type ToolContext } from '../tool/types.ts'
import type { Verification } from '../trust/trust-policy.ts'

export const META_CATEGORY = {
  name: 'tools',
  description: 'Meta-tools: discover categories and tools, read schemas, search, and dispatch any tool',
}

export interface CallResult {
  output: Record<string, unknown>
  runtime: Runtime
  /** How the output was checked: the relay's own, or workers' answers under a trust level. */
  verification?: Verification
  /** Why the router ran it there (the decision's reason, and any runtime that refused it first). */
  route?: string
}

export interface MetaToolDeps {
  registry: ToolRegistry
  /** Runs a tool through the runtime router (validation included). */
  call(tool: Tool, params: unknown, ctx: ToolContext): Promise<CallResult>
  /**
   * Whether the caller may call `tool` (the access policy). The discovery meta-tools
   * show a caller only these, and "did you mean" never names another. Default: all.
   */
  canCall?: (tool: Tool, ctx: ToolContext) => boolean
}

const READ_ONLY = { readOnlyHint: true, idempotentHint: true, openWorldHint: false } as const
/** Tool names are short (`category_verb`); the bound keeps lookups and suggestions cheap. */
const toolName = z.string().min(1).max(128).describe('Tool name')

function firstLine(text: string): string {
  return text.split('\n', 1)[0] ?? ''
}

/** The five meta-tools a client sees by default instead of every schema. */
export function createMetaTools({ registry, call, canCall = () => true }: MetaToolDeps): Tool[] {
  const visible = (ctx: ToolContext) => (tool: Tool) => canCall(tool, ctx)

  /** A tool by name; an unknown name is UNKNOWN_TOOL, suggesting only tools the caller may call. */
  const find = (name: string, ctx: ToolContext): Tool => {
    const tool = registry.get(name)
    if (tool !== undefined) return tool
    const suggestions = registry.suggest(name, visible(ctx))
    const hint = suggestions.length > 0 ? ` Did you mean: ${suggestions.join(', ')}?` : ''
    throw new McppError('UNKNOWN_TOOL', `unknown tool "${name}".${hint}`, { suggestions })
  }

  /** A tool the caller may see; dispatch instead lets the executor refuse (and audit) the call. */
  const lookup = (name: string, ctx: ToolContext): Tool => {
    const tool = find(name, ctx)
    if (canCall(tool, ctx)) return tool
    throw new McppError('FORBIDDEN', `the access policy does not let this caller use ${name}`, { tool: name })
  }

  /** A category's tools that the caller may call; a category with none is unknown to it. */
  const categoryTools = (category: string, ctx: ToolContext): Tool[] => {
    const tools = registry.inCategory(category).filter(visible(ctx))
    if (tools.length > 0) return tools
    const valid = categorySummaries(ctx).map((c) => c.name)
    throw new McppError('UNKNOWN_CATEGORY', `unknown category "${category}"; valid: ${valid.join(', ')}`, {
      validCategories: valid,
    })
  }

  const categorySummaries = (ctx: ToolContext) => {
    const counts = new Map<string, number>()
    for (const tool of registry.all().filter(visible(ctx)))
      counts.set(tool.category, (counts.get(tool.category) ?? 0) + 1)
    return registry
      .categories()
      .filter((c) => counts.has(c.name))
      .map((c) => ({ ...c, toolCount: counts.get(c.name) ?? 0 }))
  }

  const listCategories = defineTool({
    name: 'tools_list_categories',
    category: 'tools',
    description: 'List every tool category with its description and number of tools',
    input: z.object({}),
    output: z.object({
      categories: z.array(
        z.object({ name: z.string(), description: z.string(), toolCount: z.number().int() }),
      ),
    }),
    annotations: { title: 'List tool categories', ...READ_ONLY },
    pure: true,
    handlers: { local: async (_input, ctx) => ({ categories: categorySummaries(ctx) }) },
  })

  const listTools = defineTool({
    name: 'tools_list_tools',
    category: 'tools',
    description: "List a category's tools with one-line descriptions; use tools_get_schema for parameters",
    input: z.object({
      category: z.string().min(1).max(128).describe('Category name from tools_list_categories'),
    }),
    output: z.object({
      category: z.string(),
      tools: z.array(z.object({ name: z.string(), description: z.string(), runtime: z.enum(PLACEMENTS) })),
    }),
    annotations: { title: 'List tools in a category', ...READ_ONLY },
    pure: true,
    handlers: {
      local: async ({ category }, ctx) => ({
        category,
        tools: categoryTools(category, ctx).map((t) => ({
          name: t.name,
          description: firstLine(t.description),
          runtime: t.runtime,
        })),
      }),
    },
  })

  const getSchema = defineTool({
    name: 'tools_get_schema',
    category: 'tools',
    description:
      "Get a tool as tools/list publishes it: input and output JSON Schema (2020-12), annotations, and under _meta['mcpp/tool'] its category, where it can run and example parameters",
    input: z.object({ tool: toolName }),
    output: publishedToolSchema,
    annotations: { title: 'Get a tool schema', ...READ_ONLY },
    pure: true,
    handlers: { local: async ({ tool: name }, ctx) => publishTool(lookup(name, ctx)) },
  })

  const search = defineTool({
    name: 'tools_search',
    category: 'tools',
    description:
      'Search tools by what they do, in plain words: BM25 ranking over names, descriptions and parameter names, with synonyms (similar, checksum, job...)',
    input: z.object({
      query: z
        .string()
        .min(1)
        .max(MAX_QUERY_CHARS)
        .describe(
          `Words describing the task (at most ${MAX_QUERY_CHARS} characters; ${MAX_QUERY_TERMS} distinct words count)`,
        ),
      limit: z
        .number()
        .int()
        .min(1)
        .max(MAX_SEARCH_LIMIT)
        .default(DEFAULT_SEARCH_LIMIT)
        .describe('Maximum results'),
      category: z.string().min(1).max(128).optional().describe('Only search this category'),
    }),
    output: z.object({
      query: z.string(),
      results: z.array(
        z.object({ name: z.string(), category: z.string(), description: z.string(), score: z.number() }),
      ),
    }),
    annotations: { title: 'Search tools', ...READ_ONLY },
    pure: true,
    handlers: {
      local: async ({ query, limit, category }, ctx) => {
        if (category !== undefined) categoryTools(category, ctx)
        // Ranked over every tool, then cut to what the caller may call, so hidden
        // tools neither show nor take a place in the top `limit`.
        const hits = registry.search(query, registry.all().length, category)
        const results = hits.filter((hit) => canCall(registry.get(hit.name) as Tool, ctx)).slice(0, limit)
        return { query, results }
      },
    },
  })

  const dispatch = defineTool({
    name: 'tools_dispatch',
    category: 'tools',
    description:
      'Run any tool by name with its parameters; params are validated against the tool schema and the router picks where it runs',
    input: z.object({
      tool: toolName,
      params: freeForm(
        z.record(z.string(), z.unknown()),
        "The tool's parameters (see tools_get_schema); checked against that tool's schema",
      ).default({}),
      category: z
        .string()
        .min(1)
        .max(128)
        .optional()
        .describe("Optional; checked against the tool's category"),
    }),
    output: z.object({
      tool: z.string(),
      category: z.string(),
      runtime: z.enum(RUNTIMES),
      verification: z
        .object({
          trust: z.enum(['relay', 'any', 'quorum', 'spot-check']),
          verified: z.boolean(),
          workers: z.array(z.string()),
          dissent: z.array(z.string()).optional(),
          recomputedBy: z.literal('relay').optional(),
        })
        .optional()
        .describe(
          "How the result was checked: relay (computed here), any (one worker's word), quorum (the workers that agreed), spot-check",
        ),
      result: jsonObject.describe("The tool's structured output"),
    }),
    annotations: {
      title: 'Dispatch a tool',
      readOnlyHint: false,
      destructiveHint: true,
      openWorldHint: true,
    },
    pure: true,
    handlers: {
      local: async ({ tool: name, params, category }, ctx) => {
        const tool = find(name, ctx)
        if (category !== undefined && category !== tool.category) {
          throw new McppError(
            'CATEGORY_MISMATCH',
            `tool "${name}" is in category "${tool.category}", not "${category}"`,
            { category: tool.category },
          )
        }
        const { output, runtime, verification } = await call(tool, params, ctx)
        return {
          tool: tool.name,
          category: tool.category,
          runtime,
          ...(verification === undefined ? {} : { verification }),
          result: output,
        }
      },
    },
  })

  return [listCategories, listTools, getSchema, search, dispatch]
}
