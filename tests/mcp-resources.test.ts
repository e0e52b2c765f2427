import { createHash } from 'node:crypto'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Client } from '@modelcontextprotocol/client'
import { ProtocolError } from '@modelcontextprotocol/client'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RunningRelay } from '../relay/relay.ts'
import type { RunningWorker } from '../worker/core/start-worker.ts'
import { connectedWorker } from './fixtures/node-worker.ts'
import { connectClient, dispatchTool, startTestRelay } from './helpers.ts'

const sha = (text: string) => createHash('sha256').update(text).digest('hex')

// Quoting matters: a comma, a quote and a line break inside cells (RFC 4180).
const NOTES_CSV = [
  'id,title,body',
  '1,"Apples, red","say ""hi"""',
  '2,Pears,"two',
  'lines"',
  '3,Plums,plain',
].join('\n')

let relay: RunningRelay
let operator: Client
let reader: Client
let worker: RunningWorker | undefined

beforeAll(async () => {
  const path = join(mkdtempSync(join(tmpdir(), 'mcpp-resources-')), 'policy.yaml')
  writeFileSync(
    path,
    [
      'identities:',
      '  reader:',
      `    tokenSha256: ${sha('reader-token')}`,
      "    allow: ['dataset_*', 'tools_*']",
    ].join('\n'),
  )
  relay = await startTestRelay({ token: 'operator-token', accessPolicy: path })
  operator = await connectClient(relay.url, { authorization: 'Bearer operator-token' })
  reader = await connectClient(relay.url, { authorization: 'Bearer reader-token' })
  writeFileSync(join(relay.components.config.dataDir, 'files', 'notes.csv'), NOTES_CSV)
  await dispatchTool(operator, 'dataset_load', { name: 'notes', source: { path: 'notes.csv' } })
  await dispatchTool(operator, 'graph_create', { name: 'roads', type: 'directed' })
  await dispatchTool(operator, 'graph_add', { name: 'roads', edges: [{ source: 'a', target: 'b' }] })
})
afterAll(async () => {
  await worker?.stop({ drain: false })
  await operator?.close()
  await reader?.close()
  await relay?.close()
})

async function readError(client: Client, uri: string): Promise<ProtocolError> {
  const err = await client.readResource({ uri }).then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(err).toBeInstanceOf(ProtocolError)
  return err as ProtocolError
}

function text(result: {
  contents: Array<{ text?: unknown; blob?: unknown; mimeType?: string | undefined }>
}) {
  return String(result.contents[0]?.text)
}

describe('resources', () => {
  it('lists the fixed resources, the datasets and the graphs, and the templates', async () => {
    const { resources } = await operator.listResources()
    const uris = resources.map((r) => r.uri)
    expect(uris).toEqual(
      expect.arrayContaining([
        'mcpp://audit/latest',
        'mcpp://docs/tools.md',
        'mcpp://datasets/notes/schema',
        'mcpp://datasets/notes/head.csv',
        'mcpp://graphs/roads',
      ]),
    )
    const { resourceTemplates } = await operator.listResourceTemplates()
    expect(resourceTemplates.map((t) => t.uriTemplate)).toEqual(
      expect.arrayContaining([
        'mcpp://datasets/{dataset}/head.csv{?rows}',
        'mcpp://tasks/{taskId}',
        'mcpp://workflows/{workflowId}',
        'mcpp://ipfs/{cid}',
      ]),
    )
  })

  it('reads a dataset schema and its head as JSON and as RFC 4180 CSV', async () => {
    const schema = JSON.parse(text(await operator.readResource({ uri: 'mcpp://datasets/notes/schema' })))
    expect(schema).toMatchObject({ name: 'notes', rows: 3 })
    expect(schema.columns.map((c: { name: string }) => c.name)).toEqual(['id', 'title', 'body'])
    const csv = await operator.readResource({ uri: 'mcpp://datasets/notes/head.csv?rows=2' })
    expect(csv.contents[0]?.mimeType).toBe('text/csv')
    expect(text(csv)).toBe('id,title,body\r\n1,"Apples, red","say ""hi"""\r\n2,Pears,"two\nlines"\r\n')
    const json = JSON.parse(text(await operator.readResource({ uri: 'mcpp://datasets/notes/head.json' })))
    expect(json.rows).toHaveLength(3)
    expect(json.rows[2]).toMatchObject({ title: 'Plums', body: 'plain' })
  })

  it('reads a graph export', async () => {
    const graph = JSON.parse(text(await operator.readResource({ uri: 'mcpp://graphs/roads' })))
    expect(graph.nodes.map((n: { key: string }) => n.key).sort()).toEqual(['a', 'b'])
    expect(graph.edges).toHaveLength(1)
  })

  it('reads IPFS text as text and binary content as a base64 blob with its type', async () => {
    const note = await dispatchTool(operator, 'ipfs_add', { text: 'hello resources' })
    const read = await operator.readResource({ uri: `mcpp://ipfs/${note.cid}` })
    expect(read.contents[0]).toMatchObject({ mimeType: 'text/plain', text: 'hello resources' })
    // The PNG signature and the start of an IHDR chunk: file-type knows it by its magic bytes.
    const png = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000', 'hex')
    const image = await dispatchTool(operator, 'ipfs_add', { base64: png.toString('base64') })
    const blob = await operator.readResource({ uri: `mcpp://ipfs/${image.cid}` })
    expect(blob.contents[0]).toMatchObject({ mimeType: 'image/png', blob: png.toString('base64') })
  })

  it('reads the audit log with the calls just made, and the tool reference', async () => {
    const audit = JSON.parse(text(await operator.readResource({ uri: 'mcpp://audit/latest' })))
    expect(JSON.stringify(audit)).toContain('graph_create')
    const docs = await operator.readResource({ uri: 'mcpp://docs/tools.md' })
    expect(docs.contents[0]?.mimeType).toBe('text/markdown')
    expect(text(docs)).toContain('### `dataset_head`')
  })

  it('answers an unknown URI and a missing dataset with -32602, the URI, and NOT_FOUND', async () => {
    const unknown = await readError(operator, 'mcpp://nothing/here')
    expect(unknown.code).toBe(-32602)
    expect(unknown.data).toMatchObject({ uri: 'mcpp://nothing/here', code: 'NOT_FOUND' })
    const missing = await readError(operator, 'mcpp://datasets/absent/schema')
    expect(missing.code).toBe(-32602)
    expect(missing.data).toMatchObject({ code: 'NOT_FOUND' })
  })

  it('refuses a read the access policy forbids, and leaves that kind out of the listing', async () => {
    const refused = await readError(reader, 'mcpp://graphs/roads')
    expect(refused.data).toMatchObject({ code: 'FORBIDDEN' })
    expect(refused.message).not.toContain('"nodes"')
    const { resources } = await reader.listResources()
    const uris = resources.map((r) => r.uri)
    expect(uris).toContain('mcpp://datasets/notes/schema')
    expect(uris).not.toContain('mcpp://graphs/roads')
  })

  it('notifies a task subscriber when a worker finishes the task, and reads its result', async () => {
    const submitted = await dispatchTool(operator, 'p2p_taskqueue_submit', {
      kind: 'sha256',
      input: { text: 'abc' },
    })
    const taskId: string = submitted.tasks[0].id
    const uri = `mcpp://tasks/${taskId}/result`
    const updated = new Promise<string>((resolve) =>
      operator.setNotificationHandler('notifications/resources/updated', (n) => resolve(n.params.uri)),
    )
    await operator.subscribeResource({ uri })
    expect(JSON.parse(text(await operator.readResource({ uri })))).toMatchObject({ ready: false })
    worker = await connectedWorker(relay.url, { concurrency: 1, name: 'resources worker' })
    expect(await updated).toBe(uri)
    const result = JSON.parse(text(await operator.readResource({ uri })))
    expect(result).toMatchObject({ ready: true, state: 'succeeded' })
    const status = JSON.parse(text(await operator.readResource({ uri: `mcpp://tasks/${taskId}` })))
    expect(status.state).toBe('succeeded')
  })

  it('notifies when a subscribed task is cancelled, and not after unsubscribe', async () => {
    await worker?.stop({ drain: false })
    worker = undefined
    const first = await dispatchTool(operator, 'p2p_taskqueue_submit', { kind: 'echo', input: { n: 1 } })
    const second = await dispatchTool(operator, 'p2p_taskqueue_submit', { kind: 'echo', input: { n: 2 } })
    const kept = `mcpp://tasks/${first.tasks[0].id}`
    const dropped = `mcpp://tasks/${second.tasks[0].id}`
    const heard: string[] = []
    const keptUpdated = new Promise<void>((resolve) =>
      operator.setNotificationHandler('notifications/resources/updated', (n) => {
        heard.push(n.params.uri)
        if (n.params.uri === kept) resolve()
      }),
    )
    await operator.subscribeResource({ uri: dropped })
    await operator.subscribeResource({ uri: kept })
    await operator.unsubscribeResource({ uri: dropped })
    // The dropped one is cancelled first: had its listener stayed, its notice would come first.
    await dispatchTool(operator, 'p2p_taskqueue_cancel', { taskId: second.tasks[0].id })
    await dispatchTool(operator, 'p2p_taskqueue_cancel', { taskId: first.tasks[0].id })
    await keptUpdated
    expect(heard).toEqual([kept])
  })

  it('notifies a workflow subscriber when the workflow ends', async () => {
    // No worker runs echo now: the workflow waits on its task until it is cancelled.
    const submitted = await dispatchTool(operator, 'p2p_workflow_submit', {
      steps: [{ id: 'wait', type: 'task', kind: 'echo', input: { n: 3 } }],
    })
    const id: string = submitted.workflow.id
    const uri = `mcpp://workflows/${id}`
    const heard: string[] = []
    const ended = new Promise<void>((resolve) =>
      operator.setNotificationHandler('notifications/resources/updated', (n) => {
        heard.push(n.params.uri)
        if (n.params.uri === uri) resolve()
      }),
    )
    await operator.subscribeResource({ uri })
    await dispatchTool(operator, 'p2p_workflow_cancel', { workflowId: id })
    await ended
    const status = JSON.parse(text(await operator.readResource({ uri })))
    expect(status.workflow.state).toBe('cancelled')
  })

  it('refuses to subscribe to a resource that is not a task or workflow, or a task that does not exist', async () => {
    const notSubscribable = await operator.subscribeResource({ uri: 'mcpp://graphs/roads' }).catch((e) => e)
    expect(notSubscribable.code).toBe(-32602)
    const missing = await operator.subscribeResource({ uri: 'mcpp://tasks/no-such-task' }).catch((e) => e)
    expect(missing.data).toMatchObject({ code: 'NOT_FOUND' })
  })
})

describe('prompts', () => {
  it('lists the prompts and fills one with its arguments, naming real tools', async () => {
    const { prompts } = await operator.listPrompts()
    expect(prompts.map((p) => p.name)).toEqual([
      'analyse_csv',
      'index_documents',
      'run_on_volunteers',
      'find_a_tool',
    ])
    const got = await operator.getPrompt({
      name: 'index_documents',
      arguments: { dataset: 'notes', column: 'body' },
    })
    const body = String((got.messages[0]?.content as { text?: string } | undefined)?.text)
    expect(body).toContain(
      '"tool":"search_build_index","params":{"name":"notes","dataset":"notes","textColumns":["body"]}',
    )
  })

  it('refuses a prompt without its required arguments', async () => {
    const err = await operator.getPrompt({ name: 'run_on_volunteers', arguments: {} }).catch((e) => e)
    expect(err.code).toBe(-32602)
    expect(err.data).toMatchObject({ missing: ['kind'] })
  })
})

describe('completions', () => {
  it('completes dataset names for a prompt and columns within the chosen dataset', async () => {
    const datasets = await operator.complete({
      ref: { type: 'ref/prompt', name: 'analyse_csv' },
      argument: { name: 'dataset', value: 'no' },
    })
    expect(datasets.completion.values).toEqual(['notes'])
    const columns = await operator.complete({
      ref: { type: 'ref/prompt', name: 'index_documents' },
      argument: { name: 'column', value: 'b' },
      context: { arguments: { dataset: 'notes' } },
    })
    expect(columns.completion.values).toEqual(['body'])
  })

  it('completes graph names and task ids in resource templates', async () => {
    const graphs = await operator.complete({
      ref: { type: 'ref/resource', uri: 'mcpp://graphs/{graph}' },
      argument: { name: 'graph', value: 'r' },
    })
    expect(graphs.completion).toMatchObject({ values: ['roads'], hasMore: false })
    const tasks = await dispatchTool(operator, 'p2p_taskqueue_list_tasks', { limit: 1 })
    const id: string = tasks.tasks[0].id
    const ids = await operator.complete({
      ref: { type: 'ref/resource', uri: 'mcpp://tasks/{taskId}' },
      argument: { name: 'taskId', value: id.slice(0, 6) },
    })
    expect(ids.completion.values).toContain(id)
  })

  it('completes tool names the caller may call, and nothing the policy hides', async () => {
    const mine = await reader.complete({
      ref: { type: 'ref/prompt', name: 'find_a_tool' },
      argument: { name: 'tool', value: 'dataset_h' },
    })
    expect(mine.completion.values).toEqual(['dataset_head'])
    const hidden = await reader.complete({
      ref: { type: 'ref/prompt', name: 'find_a_tool' },
      argument: { name: 'tool', value: 'graph_' },
    })
    expect(hidden.completion.values).toEqual([])
    const graphs = await reader.complete({
      ref: { type: 'ref/resource', uri: 'mcpp://graphs/{graph}' },
      argument: { name: 'graph', value: '' },
    })
    expect(graphs.completion.values).toEqual([])
  })
})
