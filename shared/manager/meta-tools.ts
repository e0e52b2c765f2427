import { z } from 'zod'
import { DEFAULT_SEARCH_LIMIT, MAX_SEARCH_LIMIT } from '../constants.ts'
import { McppError } from '../errors.ts'
import { defineTool } from '../tool/define-tool.ts'
import type { ToolRegistry } from '../tool/registry.ts'
import { MAX_QUERY_CHARS, MAX_QUERY_TERMS } from '../tool/tool-search.ts'
import type { Runtime, Tool, ToolContext } from '../tool/types.ts'

export const META_CATEGORY = {
  name: 'tools',
  description: 'Meta-tools: discover categories and tools, read schemas, search, and dispatch any tool',
}

export interface CallResult {
  output: Record<string, unknown>
  runtime: Runtime
}

export interface MetaToolDeps {
  registry: ToolRegistry
  /** Runs a tool through the runtime router (validation included). */
  call(tool: Tool, params: unknown, ctx: ToolContext): Promise<CallResult>
}

const RUNTIMES = ['local', 'p2p', 'edge', 'relay'] as const
const PLACEMENTS = ['local', 'p2p', 'auto', 'edge'] as const
const READ_ONLY = { readOnlyHint: true, idempotentHint: true, openWorldHint: false } as const
const jsonObject = z.record(z.string(), z.unknown())

function firstLine(text: string): string {
  return text.split('\n', 1)[0] ?? ''
}

/** The five meta-tools a client sees by default instead of every schema. */
export function createMetaTools({ registry, call }: MetaToolDeps): Tool[] {
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
    handlers: { local: async () => ({ categories: registry.categories() }) },
  })

  const listTools = defineTool({
    name: 'tools_list_tools',
    category: 'tools',
    description: "List a category's tools with one-line descriptions; use tools_get_schema for parameters",
    input: z.object({ category: z.string().min(1).describe('Category name from tools_list_categories') }),
    output: z.object({
      category: z.string(),
      tools: z.array(z.object({ name: z.string(), description: z.string(), runtime: z.enum(PLACEMENTS) })),
    }),
    annotations: { title: 'List tools in a category', ...READ_ONLY },
    handlers: {
      local: async ({ category }) => ({
        category,
        tools: registry
          .inCategory(category)
          .map((t) => ({ name: t.name, description: firstLine(t.description), runtime: t.runtime })),
      }),
    },
  })

  const getSchema = defineTool({
    name: 'tools_get_schema',
    category: 'tools',
    description: "Get a tool's input and output JSON Schema (2020-12), annotations and where it can run",
    input: z.object({ tool: z.string().min(1).describe('Tool name') }),
    output: z.object({
      name: z.string(),
      category: z.string(),
      description: z.string(),
      inputSchema: jsonObject,
      outputSchema: jsonObject,
      annotations: jsonObject,
      runtime: z.enum(PLACEMENTS),
      runtimes: z.array(z.enum(RUNTIMES)),
      requiresP2P: z.boolean(),
      timeoutMs: z.number().int().optional(),
    }),
    annotations: { title: 'Get a tool schema', ...READ_ONLY },
    handlers: {
      local: async ({ tool: name }) => {
        const tool = registry.require(name)
        return {
          name: tool.name,
          category: tool.category,
          description: tool.description,
          inputSchema: tool.inputJsonSchema,
          outputSchema: tool.outputJsonSchema,
          annotations: { ...tool.annotations },
          runtime: tool.runtime,
          runtimes: [...tool.runtimes],
          requiresP2P: tool.requiresP2P,
          ...(tool.timeoutMs === undefined ? {} : { timeoutMs: tool.timeoutMs }),
        }
      },
    },
  })

  const search = defineTool({
    name: 'tools_search',
    category: 'tools',
    description: 'Search tools by what they do: BM25 ranking over names, descriptions and parameter names',
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
      category: z.string().min(1).optional().describe('Only search this category'),
    }),
    output: z.object({
      query: z.string(),
      results: z.array(
        z.object({ name: z.string(), category: z.string(), description: z.string(), score: z.number() }),
      ),
    }),
    annotations: { title: 'Search tools', ...READ_ONLY },
    handlers: {
      local: async ({ query, limit, category }) => {
        if (category !== undefined) registry.inCategory(category)
        return { query, results: registry.search(query, limit, category) }
      },
    },
  })

  const dispatch = defineTool({
    name: 'tools_dispatch',
    category: 'tools',
    description:
      'Run any tool by name with its parameters; params are validated against the tool schema and the router picks where it runs',
    input: z.object({
      tool: z.string().min(1).describe('Tool name'),
      params: jsonObject.default({}).describe("The tool's parameters (see tools_get_schema)"),
      category: z.string().min(1).optional().describe("Optional; checked against the tool's category"),
    }),
    output: z.object({
      tool: z.string(),
      category: z.string(),
      runtime: z.enum(RUNTIMES),
      result: jsonObject.describe("The tool's structured output"),
    }),
    annotations: {
      title: 'Dispatch a tool',
      readOnlyHint: false,
      destructiveHint: true,
      openWorldHint: true,
    },
    handlers: {
      local: async ({ tool: name, params, category }, ctx) => {
        const tool = registry.require(name)
        if (category !== undefined && category !== tool.category) {
          throw new McppError(
            'CATEGORY_MISMATCH',
            `tool "${name}" is in category "${tool.category}", not "${category}"`,
            { category: tool.category },
          )
        }
        const { output, runtime } = await call(tool, params, ctx)
        return { tool: tool.name, category: tool.category, runtime, result: output }
      },
    },
  })

  return [listCategories, listTools, getSchema, search, dispatch]
}
