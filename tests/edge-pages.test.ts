// @module-tag chromium: the whole file drives Chromium (skipped without it; tests/requirements.ts)
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import type { Client } from '@modelcontextprotocol/client'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RunningRelay } from '../relay/relay.ts'
import { launchChromium } from './browser.ts'
import { type RunningEdge, startEdge } from './fixtures/edge.ts'
import { connectClient, dispatchTool, startTestRelay } from './helpers.ts'

/**
 * Issue 14: the pages served by the edge Worker (workerd), in headless Chromium. The
 * contribute page learns a relay's libp2p address from the edge and its tab becomes a
 * worker of that relay; the dashboard reads the relay's live data through the edge.
 */
const SECRET = 'edge-pages-secret-0123456789abcdef0123'
const SHOTS = join(import.meta.dirname, '..', 'test-results', 'edge')

let relay: RunningRelay
let edge: RunningEdge
let client: Client
let browser: Browser
const problems: string[] = []

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true })
  relay = await startTestRelay({ auth: { edgeSecret: SECRET } })
  edge = await startEdge({ relays: [relay.url], secret: SECRET })
  client = await connectClient(edge.url)
  browser = await launchChromium()
}, 120_000)
afterAll(async () => {
  await browser?.close()
  await client?.close()
  await edge?.stop()
  await relay?.close()
})

async function open(path: string): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } })
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`))
  page.on('console', (msg) => msg.type() === 'error' && problems.push(`console error: ${msg.text()}`))
  await page.goto(`${edge.url}${path}`)
  return page
}

describe('the pages at the edge', () => {
  it('the contribute page, served by the edge, makes its tab a worker of a relay behind it', async () => {
    const page = await open('/contribute/')
    await page.click('#toggle')
    await page.waitForSelector('#state[data-state="connected"]', { timeout: 30_000 })
    // Through the edge's MCP endpoint: the relay lists the tab, and the tab runs a task.
    const stats = await dispatchTool(client, 'p2p_taskqueue_worker_stats', { connectedOnly: true })
    expect(stats.workers.filter((w: any) => w.name === 'browser tab')).toHaveLength(1)
    const out = await dispatchTool(client, 'p2p_taskqueue_submit', {
      tasks: [{ kind: 'sha256', input: { text: 'from the edge' } }],
      wait: true,
    })
    expect(out.results[0].state).toBe('succeeded')
    await page.waitForSelector('#done:text-is("1")')
    await page.screenshot({ path: join(SHOTS, 'contribute.png'), fullPage: true })
    await page.click('#toggle')
    await page.close()
    expect(problems).toEqual([])
  }, 90_000)

  it('the dashboard, served by the edge, shows the relay behind it live', async () => {
    const page = await open('/#/overview')
    const peerId = relay.components.p2p.node?.peerId as string
    await page.waitForSelector(`tr[data-relay="${peerId}"]`, { timeout: 30_000 })
    await page.screenshot({ path: join(SHOTS, 'dashboard.png'), fullPage: true })
    await page.close()
    expect(problems).toEqual([])
  }, 60_000)
})
