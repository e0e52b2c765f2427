import type { ReadResourceResult } from '@modelcontextprotocol/server'
import { UriTemplate } from '@modelcontextprotocol/server'
import { toCsv } from './csv.ts'
import { ipfsContents } from './ipfs-contents.ts'
import type { RunTool } from './run-tool.ts'
import type { Extra } from './tool-context.ts'

export type Contents = ReadResourceResult['contents']

/** What a read gets: the URI's variables (decoded), its query, the runner and the request. */
export interface ReadArgs {
  uri: string
  vars: Record<string, string>
  query: URLSearchParams
  run: RunTool
  extra: Extra
}

/** One resource template: a URI pattern and the tool call it views (issue 15). */
export interface ResourceKind {
  /** The path part, matched against a URI without its query. */
  path: UriTemplate
  /** The advertised template: the path and the query it takes. */
  uriTemplate: string
  name: string
  title: string
  description: string
  mimeType: string
  read(args: ReadArgs): Promise<Contents>
}

const JSON_TYPE = 'application/json'

function json(uri: string, value: unknown): Contents {
  return [{ uri, mimeType: JSON_TYPE, text: JSON.stringify(value, null, 2) }]
}

/** A read that is one tool call, its output shown as JSON. */
function toolAsJson(tool: string, params: (vars: Record<string, string>) => Record<string, unknown>) {
  return async ({ uri, vars, run, extra }: ReadArgs): Promise<Contents> =>
    json(uri, await run(tool, params(vars), extra))
}

/** `?rows=N`: passed as a number when it is one, else as given, so the tool's schema refuses it. */
function rowsParam(query: URLSearchParams): Record<string, unknown> {
  const rows = query.get('rows')
  if (rows === null) return {}
  return { n: /^\d+$/.test(rows) ? Number(rows) : rows }
}

function kind(path: string, query: string, rest: Omit<ResourceKind, 'path' | 'uriTemplate'>): ResourceKind {
  return { path: new UriTemplate(path), uriTemplate: `${path}${query}`, ...rest }
}

export const TASK_URI = new UriTemplate('mcpp://tasks/{taskId}')
export const TASK_RESULT_URI = new UriTemplate('mcpp://tasks/{taskId}/result')
export const WORKFLOW_URI = new UriTemplate('mcpp://workflows/{workflowId}')

/** The resource templates, most specific first (the first match reads). */
export const RESOURCE_KINDS: readonly ResourceKind[] = [
  kind('mcpp://datasets/{dataset}/schema', '', {
    name: 'dataset-schema',
    title: 'Dataset schema',
    description: 'A dataset’s columns, their types and its row count (dataset_info)',
    mimeType: JSON_TYPE,
    read: toolAsJson('dataset_info', (v) => ({ name: v.dataset })),
  }),
  kind('mcpp://datasets/{dataset}/head.csv', '{?rows}', {
    name: 'dataset-head-csv',
    title: 'Dataset head (CSV)',
    description: 'The first rows of a dataset as RFC 4180 CSV, 10 unless ?rows=N (dataset_head)',
    mimeType: 'text/csv',
    read: async ({ uri, vars, query, run, extra }) => {
      const head = (await run('dataset_head', { name: vars.dataset, ...rowsParam(query) }, extra)) as {
        columns: { name: string }[]
        rows: Record<string, unknown>[]
      }
      const columns = head.columns.map((c) => c.name)
      return [{ uri, mimeType: 'text/csv', text: toCsv(columns, head.rows) }]
    },
  }),
  kind('mcpp://datasets/{dataset}/head.json', '{?rows}', {
    name: 'dataset-head-json',
    title: 'Dataset head (JSON)',
    description: 'The first rows of a dataset with its columns as JSON, 10 unless ?rows=N (dataset_head)',
    mimeType: JSON_TYPE,
    read: async ({ uri, vars, query, run, extra }) =>
      json(uri, await run('dataset_head', { name: vars.dataset, ...rowsParam(query) }, extra)),
  }),
  kind('mcpp://graphs/{graph}', '', {
    name: 'graph',
    title: 'Graph export',
    description: 'A stored graph as graphology JSON (graph_export)',
    mimeType: JSON_TYPE,
    read: async ({ uri, vars, run, extra }) =>
      json(uri, ((await run('graph_export', { name: vars.graph }, extra)) as { graph: unknown }).graph),
  }),
  kind(TASK_RESULT_URI.toString(), '', {
    name: 'task-result',
    title: 'Task result',
    description: 'A task’s result, ready false until it ends (p2p_taskqueue_get_result); subscribable',
    mimeType: JSON_TYPE,
    read: toolAsJson('p2p_taskqueue_get_result', (v) => ({ taskId: v.taskId })),
  }),
  kind(TASK_URI.toString(), '', {
    name: 'task',
    title: 'Task status',
    description: 'A task’s state, progress and attempts (p2p_taskqueue_status); subscribable',
    mimeType: JSON_TYPE,
    read: toolAsJson('p2p_taskqueue_status', (v) => ({ taskId: v.taskId })),
  }),
  kind(WORKFLOW_URI.toString(), '', {
    name: 'workflow',
    title: 'Workflow status',
    description: 'A workflow’s state and its steps’ outputs (p2p_workflow_status); subscribable',
    mimeType: JSON_TYPE,
    read: toolAsJson('p2p_workflow_status', (v) => ({ workflowId: v.workflowId })),
  }),
  kind('mcpp://ipfs/{cid}', '', {
    name: 'ipfs',
    title: 'IPFS content',
    description: 'A UnixFS file or raw block by CID, text or base64 blob, first 4 MiB (ipfs_cat)',
    mimeType: 'application/octet-stream',
    read: async ({ uri, vars, run, extra }) =>
      ipfsContents(uri, await run('ipfs_cat', { cid: vars.cid, encoding: 'base64' }, extra)),
  }),
]

/** The kind that reads `uri`, with its variables percent-decoded; undefined if none does. */
export function matchResource(
  uri: string,
): { kind: ResourceKind; vars: Record<string, string>; query: URLSearchParams } | undefined {
  const at = uri.indexOf('?')
  const path = at < 0 ? uri : uri.slice(0, at)
  const query = new URLSearchParams(at < 0 ? '' : uri.slice(at + 1))
  for (const kind of RESOURCE_KINDS) {
    const vars = decodeVars(kind.path.match(path))
    if (vars) return { kind, vars, query }
  }
  return undefined
}

/** A template match's variables as single decoded strings; undefined if no match or an empty one. */
export function decodeVars(
  matched: Record<string, string | string[]> | null,
): Record<string, string> | undefined {
  if (!matched) return undefined
  const vars: Record<string, string> = {}
  for (const [name, value] of Object.entries(matched)) {
    const one = Array.isArray(value) ? value[0] : value
    if (!one) return undefined
    try {
      vars[name] = decodeURIComponent(one)
    } catch {
      return undefined
    }
  }
  return vars
}
