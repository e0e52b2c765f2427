import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Client } from '@modelcontextprotocol/client'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RunningRelay } from '../relay/relay.ts'
import type { RunningWorker } from '../worker/core/start-worker.ts'
import { connectedWorker } from './fixtures/node-worker.ts'
import { connectClient, startTestRelay } from './helpers.ts'

/**
 * The README's worked workflow example (issue 12, "Docs"), run verbatim: its CSV, its
 * `tools_dispatch` arguments and its Mermaid picture are read out of README.md, through
 * a real relay, a real Node worker (it runs the `embed` tasks) and a real MCP client.
 */

const readme = readFileSync(join(import.meta.dirname, '..', 'README.md'), 'utf8')

/** The body of the first fenced block of `lang` at or after offset `from` of the README. */
function fenced(lang: string, from: number): string {
  const open = readme.indexOf(`\`\`\`${lang}\n`, from)
  if (open === -1) throw new Error(`no \`\`\`${lang} block after offset ${from}`)
  const body = open + lang.length + 4
  return readme.slice(body, readme.indexOf('\n```\n', body) + 1)
}

function afterMarker(marker: string): number {
  const at = readme.indexOf(`<!-- ${marker} -->\n`)
  if (at === -1) throw new Error(`README.md has no <!-- ${marker} --> marker`)
  return at
}

const csv = fenced('csv', afterMarker('workflow-example-csv'))
const dispatch = JSON.parse(fenced('json', afterMarker('workflow-example'))) as {
  tool: string
  params: Record<string, unknown>
}
const mermaid = fenced('mermaid', afterMarker('workflow-example-dag'))

let relay: RunningRelay
let client: Client
let worker: RunningWorker
/** `embed` tasks the worker started. */
let embedStarts = 0

beforeAll(async () => {
  // The reader saves notes.csv in the file root, <data-dir>/files, before submitting.
  const dataDir = mkdtempSync(join(tmpdir(), 'mcpp-wfexample-'))
  mkdirSync(join(dataDir, 'files'))
  writeFileSync(join(dataDir, 'files', 'notes.csv'), csv)
  relay = await startTestRelay({ dataDir })
  client = await connectClient(relay.url)
  worker = await connectedWorker(relay.url, {
    concurrency: 4,
    name: 'workflow example worker',
    onEvent: (e) => {
      if (e.type === 'task-start' && e.kind === 'embed') embedStarts++
    },
  })
})
afterAll(async () => {
  await worker?.stop({ drain: false })
  await client?.close()
  await relay?.close()
})

async function dispatchOk(tool: string, params: Record<string, unknown>) {
  const result = await client.callTool(
    { name: 'tools_dispatch', arguments: { tool, params } },
    {
      timeout: 60_000,
    },
  )
  if (result.isError) throw new Error(`${tool}: ${JSON.stringify(result._meta ?? result.content)}`)
  return (result.structuredContent as { result: any }).result
}

const SENTENCES = [
  ['apples-1', 'Apples grow on trees'],
  ['apples-2', 'Cider is pressed from apples'],
  ['apples-3', 'An apple a day keeps the doctor away'],
  ['rust-1', 'Rust is a systems language'],
  ['rust-2', 'The borrow checker rejects data races at compile time'],
  ['tides-1', 'The moon pulls on the oceans'],
  ['tides-2', 'Tides rise and fall twice a day'],
]

describe('the README worked example', () => {
  let workflowId: string

  it('chunks the text column, embeds every chunk on the worker, indexes the vectors and finds the chunk asked about', async () => {
    expect(dispatch.tool).toBe('p2p_workflow_submit')
    const out = await dispatchOk(dispatch.tool, dispatch.params)
    workflowId = out.workflow.id
    const steps = Object.fromEntries(out.steps.map((s: any) => [s.stepId, s]))
    expect(out.workflow.state).toBe('succeeded')

    expect(steps.chunk.output.rows.map((r: any) => [r.id, r.text])).toEqual(SENTENCES)
    // One task per chunk, each run by the Node worker, not by the relay.
    expect(steps.embed.items).toMatchObject({ total: SENTENCES.length, succeeded: SENTENCES.length })
    expect(embedStarts).toBe(SENTENCES.length)
    expect(steps.add.output).toEqual({ added: SENTENCES.length, updated: 0, count: SENTENCES.length })
    expect(steps.search.output.hits).toMatchObject([
      { id: 'apples-2', metadata: { doc: 'apples', text: 'Cider is pressed from apples' } },
    ])

    // The index holds one vector per chunk, each the worker's embedding of its own text:
    // searching by a chunk's embedding (text_embed, the same algorithm) finds that chunk.
    expect(await dispatchOk('vector_stats', { name: 'notes' })).toMatchObject({
      count: SENTENCES.length,
      dimensions: 64,
    })
    for (const [id, text] of SENTENCES) {
      const embedded = await dispatchOk('text_embed', { texts: [text], dimensions: 64 })
      const found = await dispatchOk('vector_search', { name: 'notes', vector: embedded.embeddings[0], k: 1 })
      expect(found.hits[0]).toMatchObject({ id, metadata: { text } })
      expect(found.hits[0].distance).toBeCloseTo(0, 5)
    }
  })

  it('draws the Mermaid picture the README shows', async () => {
    const dag = await dispatchOk('p2p_workflow_get_dag', { workflowId })
    // The steps form one chain, so the critical path is all of them whatever each took.
    const ids = (dispatch.params.steps as Array<{ id: string }>).map((s) => s.id)
    expect(dag.criticalPath.steps).toEqual(ids)
    expect(dag.mermaid).toBe(mermaid)
  })
})
