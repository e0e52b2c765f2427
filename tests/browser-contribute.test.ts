// @module-tag chromium: the whole file drives Chromium (skipped without it; tests/requirements.ts)
import type { Client } from '@modelcontextprotocol/client'
import type { Browser, Page } from 'playwright-core'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { RunningRelay } from '../relay/relay.ts'
import { launchChromium } from './browser.ts'
import { wasmModuleBase64 } from './fixtures/wasm-modules.ts'
import { connectClient, dispatchTool, startTestRelay, taskFinished } from './helpers.ts'

let relay: RunningRelay
let client: Client
let browser: Browser
/** Page errors and console errors: any fails the test. */
let problems: string[] = []

beforeAll(async () => {
  relay = await startTestRelay()
  client = await connectClient(relay.url)
  browser = await launchChromium()
})
afterEach(() => {
  const seen = problems
  problems = []
  expect(seen).toEqual([])
})
afterAll(async () => {
  await browser?.close()
  await client?.close()
  await relay?.close()
})

const dispatch = (tool: string, params: Record<string, unknown>) => dispatchTool(client, tool, params)
const finished = (taskId: string) => taskFinished(client, taskId)

/** Opens /contribute in a new tab, sets the concurrency, presses Start and waits until connected. */
async function contribute(concurrency: number): Promise<Page> {
  const page = await browser.newPage()
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`))
  page.on('console', (msg) => msg.type() === 'error' && problems.push(`console error: ${msg.text()}`))
  await page.goto(`${relay.url}/contribute`)
  await page.fill('#concurrency', String(concurrency))
  await page.press('#concurrency', 'Tab')
  await page.click('#toggle')
  await page.waitForSelector('#state[data-state="connected"]', { timeout: 20_000 })
  return page
}

const browserWorkers = async () =>
  (await dispatch('p2p_taskqueue_worker_stats', { connectedOnly: true })).workers.filter(
    (w: any) => w.name === 'browser tab',
  )

describe('the contribute page', () => {
  it('turns two tabs into workers that run tasks submitted over MCP', async () => {
    const [a, b] = [await contribute(2), await contribute(2)]
    const workers = await browserWorkers()
    expect(workers).toHaveLength(2)
    expect(workers[0].userAgent).toContain('Chrome')
    const tasks = Array.from({ length: 40 }, (_, i) => ({ kind: 'sha256', input: { text: `tab ${i}` } }))
    const out = await dispatch('p2p_taskqueue_submit', { tasks, wait: true })
    expect(out.results.every((r: any) => r.state === 'succeeded')).toBe(true)
    expect(out.results[7].output.bytes).toBe('tab 7'.length)
    // The page shows counts from a stats snapshot sent at most every 100 ms.
    await expect
      .poll(async () => Number(await a.textContent('#done')) + Number(await b.textContent('#done')))
      .toBe(40)
    await a.click('#toggle')
    await a.waitForSelector('#state[data-state="stopped"]')
    await expect.poll(async () => (await browserWorkers()).length).toBe(1)
    await a.close()
    await b.close()
  })

  it('completes every task when a tab closes mid-task', async () => {
    const [a, b] = [await contribute(1), await contribute(1)]
    const module = await wasmModuleBase64('busy')
    const tasks = Array.from({ length: 4 }, () => ({
      kind: 'wasm',
      input: { module, export: 'busy', args: [400_000_000] },
      timeoutMs: 60_000,
    }))
    const submitted = await dispatch('p2p_taskqueue_submit', { tasks })
    const ids: string[] = submitted.tasks.map((t: any) => t.id)
    // Close tab A while it holds a task (its page shows the task in hand).
    await a.waitForFunction(() => document.querySelector('#running')?.textContent === '1', undefined, {
      timeout: 20_000,
    })
    await a.close()
    const results = await Promise.all(ids.map((taskId) => finished(taskId)))
    expect(results.map((r) => r.task.state)).toEqual(['succeeded', 'succeeded', 'succeeded', 'succeeded'])
    expect(results.some((r) => r.task.attempt === 2)).toBe(true)
    await expect.poll(async () => Number(await b.textContent('#done'))).toBeGreaterThanOrEqual(3)
    await b.close()
  })
})
