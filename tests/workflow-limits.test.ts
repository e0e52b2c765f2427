import { createHash } from 'node:crypto'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Client } from '@modelcontextprotocol/client'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RunningRelay } from '../relay/relay.ts'
import { connectClient, errorMeta, startTestRelay } from './helpers.ts'

/**
 * The operator's limits on workflows (config `workflows`): running workflows per
 * identity and in all, and the map items one workflow may hold. A workflow waits on a
 * task kind no worker runs, so it stays running for as long as the test needs.
 */
const sha = (text: string) => createHash('sha256').update(text).digest('hex')
let relay: RunningRelay
const clients: Record<string, Client> = {}

beforeAll(async () => {
  const path = join(mkdtempSync(join(tmpdir(), 'mcpp-wf-limits-')), 'policy.yaml')
  const who = ['alice', 'bob', 'carol']
  writeFileSync(
    path,
    [
      'identities:',
      ...who.flatMap((name) => [
        `  ${name}:`,
        `    tokenSha256: ${sha(`${name}-token`)}`,
        "    allow: ['*', 'kind:*']",
      ]),
    ].join('\n'),
  )
  relay = await startTestRelay({
    token: 'operator-token',
    accessPolicy: path,
    tasks: { unknownKinds: 'warn' },
    workflows: { maxRunningPerIdentity: 2, maxRunning: 3, maxItemsPerWorkflow: 5 },
  })
  for (const name of who)
    clients[name] = await connectClient(relay.url, { authorization: `Bearer ${name}-token` })
})
afterAll(async () => {
  for (const client of Object.values(clients)) await client.close()
  await relay?.close()
})

async function dispatch(who: string, tool: string, params: Record<string, unknown>) {
  const result = await (clients[who] as Client).callTool({
    name: 'tools_dispatch',
    arguments: { tool, params },
  })
  return { result, out: (result.structuredContent as { result?: any } | undefined)?.result }
}

const waiting = (key: string) => ({
  idempotencyKey: key,
  steps: [{ id: 'wait', type: 'task', kind: 'no-worker-runs-this', input: key }],
})

describe('limits on workflows', () => {
  it('refuses a workflow over the running limit per identity and over all, and admits one again when one ends', async () => {
    const a1 = await dispatch('alice', 'p2p_workflow_submit', waiting('a1'))
    const a2 = await dispatch('alice', 'p2p_workflow_submit', waiting('a2'))
    expect([a1.out.workflow.state, a2.out.workflow.state]).toEqual(['running', 'running'])

    const a3 = await dispatch('alice', 'p2p_workflow_submit', waiting('a3'))
    expect(a3.result.isError).toBe(true)
    expect(errorMeta(a3.result)).toMatchObject({
      code: 'QUOTA_EXCEEDED',
      quota: 'workflows.maxRunningPerIdentity',
      limit: 2,
    })
    // Repeating a workflow already submitted is not a new one.
    const again = await dispatch('alice', 'p2p_workflow_submit', waiting('a1'))
    expect(again.out).toMatchObject({ created: false, workflow: { id: a1.out.workflow.id } })

    // Bob has his own allowance, but the relay runs at most three.
    const b1 = await dispatch('bob', 'p2p_workflow_submit', waiting('b1'))
    expect(b1.out.workflow.state).toBe('running')
    const c1 = await dispatch('carol', 'p2p_workflow_submit', waiting('c1'))
    expect(errorMeta(c1.result)).toMatchObject({
      code: 'QUOTA_EXCEEDED',
      quota: 'workflows.maxRunning',
      limit: 3,
    })

    // A cancelled workflow no longer counts.
    await dispatch('alice', 'p2p_workflow_cancel', { workflowId: a1.out.workflow.id })
    const c2 = await dispatch('carol', 'p2p_workflow_submit', waiting('c2'))
    expect(c2.result.isError).toBeFalsy()
    expect(c2.out.workflow.state).toBe('running')
    for (const w of [a2, b1, c2])
      await dispatch('alice', 'p2p_workflow_cancel', { workflowId: w.out.workflow.id })
    const listed = await dispatch('alice', 'p2p_workflow_list', { state: 'running', limit: 10 })
    expect(listed.out.total).toBe(0)
  })

  /** Hashes each word of `text` in a map (one item per word). */
  const hashWords = (who: string, text: string) =>
    dispatch(who, 'p2p_workflow_submit', {
      wait: true,
      steps: [
        {
          id: 'list',
          type: 'tool',
          tool: 'text_chunk',
          params: { text, size: 1, overlap: 0, unit: 'words' },
        },
        {
          id: 'each',
          type: 'map',
          over: { $ref: 'list', path: '$.chunks' },
          do: { type: 'tool', tool: 'text_hash', params: { text: { $item: true, path: '$.text' } } },
        },
      ],
    })

  it('fails a map whose items would take the workflow over its item limit, storing none of them', async () => {
    const { out } = await hashWords('alice', 'a b c d e f')
    expect(out.workflow.state).toBe('failed')
    const each = out.steps.find((s: any) => s.stepId === 'each')
    expect(each.error).toMatchObject({ code: 'INVALID_INPUT' })
    expect(each.error.message).toContain('workflows.maxItemsPerWorkflow')
    expect(relay.components.tasks.workflowSide.store.attempts.itemTotal(out.workflow.id)).toBe(0)
  })

  it('runs a map that fits the item limit', async () => {
    const { out } = await hashWords('bob', 'a b c d e')
    expect(out.workflow.state).toBe('succeeded')
    expect(out.steps.find((s: any) => s.stepId === 'each').output).toHaveLength(5)
  })
})
