import type { Resource, Server } from '@modelcontextprotocol/server'
import { ProtocolError } from '@modelcontextprotocol/server'
import type { ToolRegistry } from '../../shared/tool/registry.ts'
import { renderToolDocs } from '../docs/render-tool-docs.ts'
import { type Contents, matchResource, RESOURCE_KINDS } from './resource-kinds.ts'
import type { RunTool } from './run-tool.ts'
import { ResourceSubscriptions, type SubscriptionSources } from './subscriptions.ts'
import type { Extra } from './tool-context.ts'
import { RESOURCE_NOT_FOUND } from './wire-error.ts'

/** Datasets and graphs `resources/list` names at most, each (the templates reach the rest). */
export const LISTED_PER_KIND = 100
/** Audit entries the audit resource shows, newest first. */
export const AUDIT_ENTRIES = 100

export const AUDIT_URI = 'mcpp://audit/latest'
export const TOOL_DOCS_URI = 'mcpp://docs/tools.md'

export interface ResourceSurface extends SubscriptionSources {
  registry: ToolRegistry
}

/** Resources without variables: the audit log's latest entries and the tool reference. */
const FIXED: readonly (Resource & {
  read: (run: RunTool, extra: Extra, registry: ToolRegistry) => Promise<string>
})[] = [
  {
    uri: AUDIT_URI,
    name: 'audit-latest',
    title: 'Audit log (latest)',
    description: `The latest ${AUDIT_ENTRIES} recorded tool calls, newest first (audit_query)`,
    mimeType: 'application/json',
    read: async (run, extra) =>
      JSON.stringify(await run('audit_query', { limit: AUDIT_ENTRIES }, extra), null, 2),
  },
  {
    uri: TOOL_DOCS_URI,
    name: 'tool-reference',
    title: 'Tool reference',
    description: 'Every tool with its parameters and an example, as `npm run docs` writes docs/tools.md',
    mimeType: 'text/markdown',
    read: async (_run, _extra, registry) => renderToolDocs(registry),
  },
]

/**
 * resources/* (issue 15): each resource is a view of a tool call run through the
 * executor (run-tool.ts), so a read the access policy refuses is an error, never data.
 */
export function registerResources(server: Server, surface: ResourceSurface, run: RunTool): void {
  const notify = (uri: string) => void server.sendResourceUpdated({ uri }).catch(() => {})
  const subscriptions = new ResourceSubscriptions(notify, surface, run)
  // Chained, not replaced: whoever connects the server may have set its own.
  const previous = server.onclose
  server.onclose = () => {
    subscriptions.close()
    previous?.()
  }
  server.setRequestHandler('resources/list', async (_request, ctx) => ({
    resources: [...FIXED.map(({ read: _read, ...resource }) => resource), ...(await listed(run, ctx))],
  }))
  server.setRequestHandler('resources/templates/list', () => ({
    resourceTemplates: RESOURCE_KINDS.map((k) => ({
      uriTemplate: k.uriTemplate,
      name: k.name,
      title: k.title,
      description: k.description,
      mimeType: k.mimeType,
    })),
  }))
  server.setRequestHandler('resources/read', async (request, ctx) => ({
    contents: await readResource(request.params.uri, run, ctx, surface.registry),
  }))
  server.setRequestHandler('resources/subscribe', async (request, ctx) => {
    await subscriptions.subscribe(request.params.uri, ctx)
    return {}
  })
  server.setRequestHandler('resources/unsubscribe', (request) => {
    subscriptions.unsubscribe(request.params.uri)
    return {}
  })
}

async function readResource(
  uri: string,
  run: RunTool,
  extra: Extra,
  registry: ToolRegistry,
): Promise<Contents> {
  const fixed = FIXED.find((r) => r.uri === uri)
  if (fixed)
    return [{ uri, mimeType: fixed.mimeType ?? 'text/plain', text: await fixed.read(run, extra, registry) }]
  const matched = matchResource(uri)
  if (!matched) throw unknownResource(uri)
  return matched.kind.read({ uri, vars: matched.vars, query: matched.query, run, extra })
}

export function unknownResource(uri: string): ProtocolError {
  return new ProtocolError(
    RESOURCE_NOT_FOUND,
    `Resource not found: ${uri}. resources/templates/list shows the URIs this relay reads.`,
    { code: 'NOT_FOUND', uri },
  )
}

/** Existing datasets and graphs; a list the caller may not run is left out, not an error. */
async function listed(run: RunTool, extra: Extra): Promise<Resource[]> {
  const [datasets, graphs] = await Promise.all([
    names(run, extra, 'dataset_list', 'datasets'),
    names(run, extra, 'graph_list', 'graphs'),
  ])
  const resources: Resource[] = []
  for (const name of datasets) {
    const at = encodeURIComponent(name)
    resources.push(
      { uri: `mcpp://datasets/${at}/schema`, name: `dataset ${name} (schema)`, mimeType: 'application/json' },
      { uri: `mcpp://datasets/${at}/head.csv`, name: `dataset ${name} (head)`, mimeType: 'text/csv' },
    )
  }
  for (const name of graphs) {
    resources.push({
      uri: `mcpp://graphs/${encodeURIComponent(name)}`,
      name: `graph ${name}`,
      mimeType: 'application/json',
    })
  }
  return resources
}

async function names(run: RunTool, extra: Extra, tool: string, field: string): Promise<string[]> {
  try {
    const output = (await run(tool, {}, extra)) as Record<string, { name: string }[]>
    return (output[field] ?? []).slice(0, LISTED_PER_KIND).map((item) => item.name)
  } catch (err) {
    if (err instanceof ProtocolError && (err.data as { code?: string } | undefined)?.code === 'FORBIDDEN')
      return []
    throw err
  }
}
