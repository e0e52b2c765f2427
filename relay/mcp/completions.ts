import type { CompleteResult, Server } from '@modelcontextprotocol/server'
import type { ToolRegistry } from '../../shared/tool/registry.ts'
import type { Tool } from '../../shared/tool/types.ts'
import { PROMPTS } from './prompts.ts'
import { RESOURCE_KINDS } from './resource-kinds.ts'
import type { RunTool } from './run-tool.ts'
import { type Caller, callerOf, type Extra } from './tool-context.ts'

/** MCP caps a completion at 100 values (completion/complete, "Completion Results"). */
export const MAX_COMPLETIONS = 100
/** The newest tasks and workflows whose ids complete. */
const RECENT = 100

export interface CompletionSurface {
  registry: ToolRegistry
  canCall: (tool: Tool, identity: string | undefined) => boolean
  caller?: Caller | undefined
}

interface Lookup {
  run: RunTool
  extra: Extra
  surface: CompletionSurface
  /** The arguments already given (a column completes within the given dataset). */
  context: Record<string, string>
}

type Source = (lookup: Lookup) => Promise<string[]>

/** `tool`'s output field `list`, each item's `key`. */
function field(tool: string, params: Record<string, unknown>, list: string, key = 'name'): Source {
  return async ({ run, extra }) => {
    const output = (await run(tool, params, extra)) as Record<string, Record<string, unknown>[]>
    return (output[list] ?? []).map((item) => String(item[key]))
  }
}

/**
 * Where each argument or template variable's values come from: a listing tool run
 * through the executor (so the policy hides what the caller may not see), except tool
 * names, which are the registry's tools the caller may call.
 */
const SOURCES: Record<string, Source> = {
  dataset: field('dataset_list', {}, 'datasets'),
  graph: field('graph_list', {}, 'graphs'),
  taskId: field('p2p_taskqueue_list_tasks', { limit: RECENT, sort: 'newest' }, 'tasks', 'id'),
  workflowId: field('p2p_workflow_list', { limit: RECENT }, 'workflows', 'id'),
  cid: field('ipfs_pin_ls', {}, 'pins', 'cid'),
  category: field('tools_list_categories', {}, 'categories'),
  index: async (lookup) => [
    ...(await optional(field('search_list', {}, 'indexes'), lookup)),
    ...(await optional(field('vector_list', {}, 'indexes'), lookup)),
  ],
  kind: async ({ run, extra }) => {
    const { workers } = (await run('p2p_taskqueue_worker_stats', {}, extra)) as {
      workers: { kinds: string[] }[]
    }
    return workers.flatMap((w) => w.kinds)
  },
  column: async (lookup) => {
    const dataset = lookup.context.dataset
    if (!dataset) return []
    return field('dataset_info', { name: dataset }, 'columns')(lookup)
  },
  tool: async ({ surface, extra }) => {
    const identity = callerOf(extra, surface.caller).identity
    return surface.registry
      .all()
      .filter((t) => surface.canCall(t, identity))
      .map((t) => t.name)
  },
}

/** A source the caller may not run (or that fails) completes nothing: completion is a hint. */
async function optional(source: Source, lookup: Lookup): Promise<string[]> {
  try {
    return await source(lookup)
  } catch {
    return []
  }
}

/** The argument names a reference takes: a prompt's arguments or a template's variables. */
function argumentsOf(ref: { type: string; name?: string; uri?: string }): string[] {
  if (ref.type === 'ref/prompt')
    return PROMPTS.find((p) => p.name === ref.name)?.arguments?.map((a) => a.name) ?? []
  const kind = RESOURCE_KINDS.find((k) => k.uriTemplate === ref.uri || k.path.toString() === ref.uri)
  return kind?.path.variableNames ?? []
}

/** Distinct values starting with `prefix` (case-insensitive), sorted, at most MAX_COMPLETIONS. */
export function completion(values: readonly string[], prefix: string): CompleteResult['completion'] {
  const lower = prefix.toLowerCase()
  const matching = [...new Set(values)].filter((v) => v.toLowerCase().startsWith(lower)).sort()
  return {
    values: matching.slice(0, MAX_COMPLETIONS),
    total: matching.length,
    hasMore: matching.length > MAX_COMPLETIONS,
  }
}

export function registerCompletions(server: Server, surface: CompletionSurface, run: RunTool): void {
  server.setRequestHandler('completion/complete', async (request, ctx): Promise<CompleteResult> => {
    const { ref, argument, context } = request.params
    const source = argumentsOf(ref).includes(argument.name) ? SOURCES[argument.name] : undefined
    if (!source) return { completion: { values: [], total: 0, hasMore: false } }
    const values = await optional(source, { run, extra: ctx, surface, context: context?.arguments ?? {} })
    return { completion: completion(values, argument.value) }
  })
}
