// @module-tag chromium: the whole file drives Chromium (skipped without it; tests/requirements.ts)
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RunningRelay } from '../relay/relay.ts'
import { launchChromium } from './browser.ts'
import { connectClient } from './helpers.ts'
import type { Identity } from './relay-identity.ts'
import { relayStatus, startRelayPair } from './relay-pair.ts'

let a: Identity
let b: Identity
let relayA: RunningRelay | undefined
let relayB: RunningRelay | undefined
let browser: Browser
let page: Page | undefined

beforeAll(async () => {
  ;({ a, b, relayA, relayB } = await startRelayPair())
  browser = await launchChromium()
}, 60_000)

afterAll(async () => {
  await page?.close()
  await browser?.close()
  await relayA?.close()
  await relayB?.close()
})

/** `127.0.0.1:9001 · 12D3…abcd`, as the page shows a relay. */
const shown = (id: Identity) => `127.0.0.1:${id.p2pPort} · ${id.peerId.slice(0, 4)}…${id.peerId.slice(-4)}`

describe('the contribute page when its relay goes away', () => {
  it('shows the relay it is on, moves to another member relay without a reload and runs tasks there', async () => {
    page = await browser.newPage()
    page.on('pageerror', (err) => console.error('page error:', err.message))
    await page.goto(`${relayA!.url}/contribute`)
    await page.fill('#concurrency', '1')
    await page.press('#concurrency', 'Tab')
    await page.click('#toggle')
    await page.waitForSelector('#state[data-state="connected"]', { timeout: 20_000 })
    expect(await page.textContent('#relay')).toBe(shown(a))

    await relayA!.close()
    relayA = undefined
    await expect.poll(() => page!.textContent('#relay'), { timeout: 20_000 }).toBe(shown(b))
    await page.waitForSelector('#state[data-state="connected"]', { timeout: 20_000 })
    await expect
      .poll(async () => (await relayStatus(relayB!)).workers.map((w: any) => w.name), { timeout: 20_000 })
      .toEqual(['browser tab'])

    const client = await connectClient(relayB!.url)
    try {
      const result = await client.callTool({
        name: 'tools_dispatch',
        arguments: {
          tool: 'p2p_taskqueue_submit',
          params: { kind: 'sha256', input: { text: 'abc' }, wait: true },
        },
      })
      expect((result.structuredContent as any).result.results[0].state).toBe('succeeded')
    } finally {
      await client.close()
    }
    await expect.poll(() => page!.textContent('#done')).toBe('1')
  })
})
