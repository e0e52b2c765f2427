// @module-tag chromium: the whole file drives Chromium (skipped without it; tests/requirements.ts)
import { createHash } from 'node:crypto'
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import type { Client } from '@modelcontextprotocol/client'
import axe from 'axe-core'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RunningRelay } from '../relay/relay.ts'
import type { RunningWorker } from '../worker/core/start-worker.ts'
import { launchChromium } from './browser.ts'
import { connectedWorker } from './fixtures/node-worker.ts'
import { connectClient, startTestRelay } from './helpers.ts'

const SHOTS = join(import.meta.dirname, '..', 'test-results', 'dashboard')
/** axe-core's own source, injected into the page under test. */
const AXE = axe.source

let relay: RunningRelay
let client: Client
let worker: RunningWorker
let browser: Browser
let page: Page
/** Page errors and console errors: any one fails the test that caused it. */
const problems: string[] = []
let queuedId: string
let workflowId: string

async function dispatch(tool: string, params: Record<string, unknown>): Promise<any> {
  const result = await client.callTool({ name: 'tools_dispatch', arguments: { tool, params } })
  if (result.isError) throw new Error(JSON.stringify(result.content))
  return (result.structuredContent as any).result
}

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true })
  relay = await startTestRelay()
  client = await connectClient(relay.url)
  worker = await connectedWorker(relay.url, { concurrency: 2, name: 'dashboard e2e worker' })
  const tasks = Array.from({ length: 5 }, (_, i) => ({ kind: 'sha256', input: { text: `e2e ${i}` } }))
  await dispatch('p2p_taskqueue_submit', { tasks, wait: true })
  // No worker announces this capability, so the task waits in the queue for the page to cancel.
  const queued = await dispatch('p2p_taskqueue_submit', {
    tasks: [{ kind: 'sha256', input: { text: 'stays queued' }, requires: ['no-such-capability'] }],
  })
  queuedId = queued.tasks[0].id
  const workflow = await dispatch('p2p_workflow_submit', {
    name: 'dashboard e2e',
    wait: true,
    steps: [
      {
        id: 'chunk',
        type: 'tool',
        tool: 'text_chunk',
        params: { text: 'one two three', size: 2, overlap: 0, unit: 'words' },
      },
      {
        id: 'hash',
        type: 'map',
        over: { $ref: 'chunk', path: '$.chunks' },
        do: { type: 'task', kind: 'sha256', input: { text: { $item: true, path: '$.text' } } },
      },
      {
        id: 'first',
        type: 'tool',
        tool: 'text_hash',
        params: { text: { $ref: 'hash', path: '$[0].sha256' } },
      },
    ],
  })
  expect(workflow.workflow.state).toBe('succeeded')
  workflowId = workflow.workflow.id
  browser = await launchChromium()
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } })
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`))
  page.on('console', (msg) => {
    if (msg.type() === 'error') problems.push(`console error: ${msg.text()}`)
  })
  await page.goto(`${relay.url}/#/overview`)
})
afterAll(async () => {
  await browser?.close()
  await worker?.stop({ drain: false })
  await client?.close()
  await relay?.close()
})

async function open(view: string): Promise<void> {
  await page.evaluate((hash) => {
    location.hash = hash
  }, `#/${view}`)
  await page.waitForSelector(`main[data-view="${view.split('/')[0]}"]`)
}

/** axe-core on the page as it is: no serious or critical violation. */
async function accessible(): Promise<void> {
  if (!(await page.evaluate(() => 'axe' in window))) await page.addScriptTag({ content: AXE })
  const violations = await page.evaluate(async () => {
    const results = await (window as any).axe.run(document, { resultTypes: ['violations'] })
    return results.violations
      .filter((v: any) => v.impact === 'serious' || v.impact === 'critical')
      .map((v: any) => `${v.id}: ${v.nodes.map((n: any) => n.target.join(' ')).join(', ')}`)
  })
  expect(violations).toEqual([])
}

/** Checks a view in the light and the dark scheme, and saves a screenshot of each. */
async function checkAndShoot(name: string): Promise<void> {
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme })
    await accessible()
    await page.screenshot({ path: join(SHOTS, `${name}-${scheme}.png`), fullPage: true })
  }
  await page.emulateMedia({ colorScheme: 'light' })
  expect(problems).toEqual([])
}

describe('the dashboard', () => {
  it('shows this relay, the queue and live charts on the overview', async () => {
    await open('overview')
    await page.waitForSelector('[data-queue="succeeded"]:text-is("7")')
    expect(await page.textContent('[data-queue="queued"]')).toBe('1')
    const peerId = relay.components.p2p.node?.peerId as string
    const row = page.locator(`tr[data-relay="${peerId}"]`)
    await expect.poll(() => row.locator('[data-health]').textContent()).toBe('ok')
    expect(await row.textContent()).toContain('(this relay)')
    expect(await page.locator('.chart canvas').count()).toBe(4)
    await page.waitForSelector('.chart figcaption:has-text("tasks/s")')
    // A page left open keeps its size: two more snapshots add no element.
    const elements = () => page.evaluate(() => document.getElementsByTagName('*').length)
    for (let i = 0; i < 2; i++) {
      const [before, up] = [await elements(), await page.textContent('#uptime')]
      await page.waitForFunction((seen) => document.getElementById('uptime')?.textContent !== seen, up)
      expect(await elements()).toBe(before)
    }
    await checkAndShoot('overview')
  })

  it('lists the connected worker with its counts and connection type', async () => {
    await open('workers')
    const row = page.locator('tr[data-worker]')
    await expect.poll(() => row.locator('[data-col="done"]').textContent()).toBe('7')
    const text = await row.textContent()
    expect(text).toContain('dashboard e2e worker')
    expect(text).toContain('websocket')
    await checkAndShoot('workers')
  })

  it('lists tasks, and cancelling one on the page cancels it in the queue', async () => {
    await open('tasks')
    await page.waitForSelector(`tr[data-task="${queuedId}"][data-state="queued"]`)
    // Five tasks, two map items of the workflow, and the queued one.
    expect(await page.locator('#tasks tbody tr').count()).toBe(8)
    // Sorting asks the relay for the order (all priorities are 0 here: the queue's FIFO, not newest first).
    const byPriority = (await dispatch('p2p_taskqueue_list_tasks', { sort: 'priority' })).tasks.map(
      (t: { id: string }) => t.id,
    )
    await page.click('th button:text("Priority")')
    await page.waitForSelector(`#tasks tbody tr:first-child[data-task="${byPriority[0]}"]`)
    expect(
      await page.locator('#tasks tbody tr').evaluateAll((rows) => rows.map((r) => r.dataset.task)),
    ).toEqual(byPriority)
    expect(await page.getAttribute('th:has(button:text("Priority"))', 'aria-sort')).toBe('descending')
    await page.selectOption('select >> nth=0', 'succeeded')
    await page.click('button:text("Apply")')
    await page.waitForSelector(`tr[data-task="${queuedId}"]`, { state: 'detached' })
    expect(await page.locator('#tasks tbody tr[data-state="succeeded"]').count()).toBe(7)
    await checkAndShoot('tasks')

    await open(`tasks/${queuedId}`)
    await page.waitForSelector('#task-state:text-is("queued")')
    await page.click('button:text("Cancel task")')
    await page.waitForSelector('#task-state:text-is("cancelled")')
    const status = await dispatch('p2p_taskqueue_status', { taskId: queuedId })
    expect(status.state).toBe('cancelled')
    expect(status.error?.message ?? JSON.stringify(status.error)).toContain('dashboard')
    await checkAndShoot('task-detail')
  })

  it('draws a workflow as a DAG with its steps coloured by state and the critical path marked', async () => {
    await open('workflows')
    await page.click(`tr[data-workflow="${workflowId}"] a`)
    await page.waitForSelector('.dag svg g[data-step="first"][data-state="succeeded"]')
    expect(await page.locator('.dag svg g[data-step]').count()).toBe(3)
    expect(await page.locator('.dag svg g.critical').count()).toBeGreaterThan(0)
    expect(await page.locator('.dag svg polyline').count()).toBe(2)
    await checkAndShoot('workflow')
  })

  it('searches the catalogue and runs a tool from its generated form, showing the result and the decision', async () => {
    await open('tools')
    await page.fill('#tool-search', 'hash text')
    await page.click('button:text("Search")')
    await page.click('#search-results a:text-is("text_hash")')
    await page.waitForSelector('#tool-heading:text-is("text_hash")')
    await page.fill('#param-text', 'hello dashboard')
    await page.click('#run-tool')
    await page.waitForSelector('#tool-result')
    const digest = createHash('sha256').update('hello dashboard').digest('hex')
    expect(await page.textContent('#tool-result')).toContain(digest)
    expect(await page.textContent('#tool-decision')).toContain('local')
    await checkAndShoot('tools')
  })

  it('shows the audit log with the verified chain, filtered by tool', async () => {
    await open('audit')
    await page.waitForSelector('#audit-chain[data-ok="true"]', { timeout: 10_000 })
    await page.fill('label:has-text("Tool") input', 'p2p_taskqueue_cancel')
    await page.click('button:text("Apply and refresh")')
    await page.waitForSelector('#audit tr[data-tool="p2p_taskqueue_cancel"][data-outcome="ok"]')
    // The unfiltered rows stay until the filtered answer arrives (they include that row).
    await expect.poll(() => page.locator('#audit tbody tr').count()).toBe(1)
    await checkAndShoot('audit')
  })
})

describe('the dashboard on a relay with a token', () => {
  const token = 'dashboard-e2e-token'
  let guarded: RunningRelay
  let tab: Page
  beforeAll(async () => {
    guarded = await startTestRelay({ token })
    tab = await browser.newPage()
    tab.on('pageerror', (err) => problems.push(`page error: ${err.message}`))
    // The refused action below answers 401, which Chromium logs as a failed resource load.
    tab.on('console', (msg) => {
      if (msg.type() === 'error' && !msg.text().includes('status of 401'))
        problems.push(`console error: ${msg.text()}`)
    })
  })
  afterAll(async () => {
    await tab?.close()
    await guarded?.close()
  })

  it('reads on loopback without the token, and asks for it before an action', async () => {
    const guardedClient = await connectClient(guarded.url, { authorization: `Bearer ${token}` })
    const submitted = await guardedClient.callTool({
      name: 'tools_dispatch',
      arguments: {
        tool: 'p2p_taskqueue_submit',
        params: { tasks: [{ kind: 'sha256', input: { text: 'guarded' }, requires: ['no-such-capability'] }] },
      },
    })
    const taskId = (submitted.structuredContent as any).result.tasks[0].id
    await tab.goto(`${guarded.url}/#/tasks/${taskId}`)
    await tab.waitForSelector('#task-state:text-is("queued")')
    expect(await tab.textContent('footer')).toContain('Reading is open only from this machine')
    await tab.click('button:text("Cancel task")')
    await tab.waitForSelector('[role="status"]:has-text("UNAUTHORIZED")')
    expect(await tab.textContent('#task-state')).toBe('queued')
    await tab.fill('#token', token)
    await tab.click('button:text("Use token")')
    await tab.click('button:text("Cancel task")')
    await tab.waitForSelector('#task-state:text-is("cancelled")')
    const status = await guardedClient.callTool({
      name: 'tools_dispatch',
      arguments: { tool: 'p2p_taskqueue_status', params: { taskId } },
    })
    expect((status.structuredContent as any).result.state).toBe('cancelled')
    await guardedClient.close()
    expect(problems).toEqual([])
  })
})
