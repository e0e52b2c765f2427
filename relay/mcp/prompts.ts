import type { GetPromptResult, Prompt, Server } from '@modelcontextprotocol/server'
import { ProtocolError, ProtocolErrorCode } from '@modelcontextprotocol/server'

type Args = Record<string, string | undefined>

interface PromptKind extends Prompt {
  /** The user message; runs after the required arguments were checked. */
  text(args: Args): string
}

const call = (tool: string, params: Record<string, unknown>) =>
  `tools_dispatch ${JSON.stringify({ tool, params })}`

/**
 * Prompts that walk an agent through common jobs (issue 15). Their text names the real
 * tools and parameters (docs/tools.md); arguments complete (completions.ts).
 */
export const PROMPTS: readonly PromptKind[] = [
  {
    name: 'analyse_csv',
    title: 'Analyse a CSV file',
    description: 'Load a CSV file (or take a loaded dataset) and describe it: schema, first rows, statistics',
    arguments: [
      {
        name: 'dataset',
        description: 'Dataset name (to load the file as, or one already loaded)',
        required: true,
      },
      { name: 'path', description: 'CSV file under the relay’s file root; omit for a loaded dataset' },
    ],
    text: ({ dataset = '', path }) =>
      [
        `Analyse the dataset "${dataset}" on the MCP++ relay.`,
        path
          ? `1. Load it: ${call('dataset_load', { name: dataset, source: { path } })}.`
          : `1. It is already loaded (the resource mcpp://datasets/${encodeURIComponent(dataset)}/schema shows it).`,
        `2. Read its columns and row count: ${call('dataset_info', { name: dataset })}.`,
        `3. Look at the first rows: ${call('dataset_head', { name: dataset, n: 10 })}.`,
        `4. Summarise every column: ${call('analytics_describe', { name: dataset })}.`,
        `5. Answer questions with SQL: ${call('dataset_query', { sql: `SELECT count(*) FROM ${dataset}` })}; group with analytics_group_by, plot distributions with analytics_histogram.`,
        'Report the schema, notable values, missing data and anything surprising.',
      ].join('\n'),
  },
  {
    name: 'index_documents',
    title: 'Index documents for search',
    description: 'Build a full-text index (and optionally a vector index) over a text column of a dataset',
    arguments: [
      { name: 'dataset', description: 'Dataset holding the documents', required: true },
      { name: 'column', description: 'The column with the text to index', required: true },
      { name: 'index', description: 'Name of the index to build (default: the dataset name)' },
    ],
    text: ({ dataset = '', column = '', index }) => {
      const name = index || dataset
      return [
        `Make the "${column}" column of dataset "${dataset}" searchable.`,
        `1. Check the column exists and holds text: ${call('dataset_info', { name: dataset })}.`,
        `2. Build a full-text index: ${call('search_build_index', { name, dataset, textColumns: [column] })} (add replace: true to rebuild).`,
        `3. Try it: ${call('search_query', { name, query: 'your words here', limit: 10 })}.`,
        `4. For search by meaning, create a vector index ${call('vector_create_index', { name })}, add the rows with vector_add_texts {name, texts: [{id, text}]} (read them with dataset_query), then vector_search.`,
        'Report how many documents were indexed and show a sample query.',
      ].join('\n')
    },
  },
  {
    name: 'run_on_volunteers',
    title: 'Run a job on volunteer workers',
    description: 'Submit tasks of one kind to the P2P task queue, follow them and collect the results',
    arguments: [
      {
        name: 'kind',
        description: 'Task kind (echo, sha256, embed, wasm, or one a worker announces)',
        required: true,
      },
    ],
    text: ({ kind = '' }) =>
      [
        `Run "${kind}" tasks on the volunteer workers connected to this relay.`,
        `1. Check that workers run this kind: ${call('p2p_taskqueue_worker_stats', { connectedOnly: true })} (each worker lists its kinds).`,
        `2. Submit: ${call('p2p_taskqueue_submit', { kind, input: {} })}; several at once with tasks: [{kind, input}, …].`,
        `3. Follow a task: subscribe to the resource mcpp://tasks/{taskId} (notified when it ends), or ${call('p2p_taskqueue_wait', { taskId: '…' })} (waits at most 50 s; call again).`,
        `4. Collect: ${call('p2p_taskqueue_get_result', { taskId: '…' })}; failed tasks carry their error, p2p_taskqueue_resubmit runs one again.`,
        'Report the results and any task that failed, with its error.',
      ].join('\n'),
  },
  {
    name: 'find_a_tool',
    title: 'Find the right tool',
    description: 'Browse the tool catalog by category and read a tool’s schema before calling it',
    arguments: [
      { name: 'category', description: 'A category to start from (tools_list_categories)' },
      { name: 'tool', description: 'A tool whose schema to read first' },
    ],
    text: ({ category, tool = '…' }) =>
      [
        'Find the MCP++ tool for the job before calling it.',
        category
          ? `1. List the tools of "${category}": ${call('tools_list_tools', { category })}.`
          : `1. List the categories: ${call('tools_list_categories', {})}, then ${call('tools_list_tools', { category: '…' })}; or search: ${call('tools_search', { query: 'what you need' })}.`,
        `2. Read the parameters: ${call('tools_get_schema', { tool })}.`,
        '3. Call it: tools_dispatch {tool, params}. The full reference is the resource mcpp://docs/tools.md.',
      ].join('\n'),
  },
]

export function registerPrompts(server: Server): void {
  server.setRequestHandler('prompts/list', () => ({
    prompts: PROMPTS.map(({ text: _text, ...prompt }) => prompt),
  }))
  server.setRequestHandler('prompts/get', (request): GetPromptResult => {
    const prompt = PROMPTS.find((p) => p.name === request.params.name)
    if (!prompt) {
      throw new ProtocolError(
        ProtocolErrorCode.InvalidParams,
        `Unknown prompt: ${request.params.name}. prompts/list shows them.`,
        {
          code: 'INVALID_PARAMS',
        },
      )
    }
    const args: Args = request.params.arguments ?? {}
    const missing = (prompt.arguments ?? []).filter((a) => a.required && !args[a.name]).map((a) => a.name)
    if (missing.length > 0) {
      throw new ProtocolError(
        ProtocolErrorCode.InvalidParams,
        `Prompt ${prompt.name} needs ${missing.join(', ')}`,
        {
          code: 'INVALID_PARAMS',
          missing,
        },
      )
    }
    return {
      description: prompt.description,
      messages: [{ role: 'user', content: { type: 'text', text: prompt.text(args) } }],
    }
  })
}
