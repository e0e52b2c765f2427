import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import type { Client } from '@modelcontextprotocol/client'
import axe from 'axe-core'
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import type { DashboardSnapshot } from '../shared/dashboard/snapshot-types.ts'
import type { RunningWorker } from '../worker/core/start-worker.ts'
import { launchChromium } from './browser.ts'
import { connectedWorker } from './fixtures/node-worker.ts'
import { connectClient, dispatchTool, startTestRelay } from './helpers.ts'
import { identity } from './relay-identity.ts'
import { pairConfig, type RelayPair, startRelayPair } from './relay-pair.ts'

let pair: RelayPair
let clientB: Client
let worker: RunningWorker
let browser: Browser | undefined
const SHOTS = join(import.meta.dirname, '..', 'test-results', 'dashboard')

beforeAll(async () => {
  pair = await startRelayPair()
  clientB = await connectClient(pair.relayB.url)
  worker = await connectedWorker(pair.relayB.url, { concurrency: 2, name: 'worker on B' })
}, 60_000)
afterAll(async () => {
  await browser?.close()
  await worker?.stop({ drain: false })
  await clientB?.close()
  await Promise.all([pair?.relayA.close(), pair?.relayB.close()])
})

/** The first snapshot of a fresh `GET /api/events` stream. */
async function firstSnapshot(url: string): Promise<DashboardSnapshot> {
  const abort = new AbortController()
  const res = await fetch(`${url}/api/events`, { signal: abort.signal })
  expect(res.status).toBe(200)
  const reader = (res.body as ReadableStream<Uint8Array>).getReader()
  const decoder = new TextDecoder()
  let buffer = ''
  try {
    while (!buffer.includes('\n\n')) {
      const { value, done } = await reader.read()
      if (done) throw new Error('the event stream ended')
      buffer += decoder.decode(value, { stream: true })
    }
  } finally {
    abort.abort()
  }
  const event = buffer.slice(0, buffer.indexOf('\n\n'))
  return JSON.parse(event.slice('event: snapshot\ndata: '.length))
}

describe("a relay's dashboard shows its member relays' throughput and workers", () => {
  it("lists B's worker and B's task rate on A after B ran tasks", async () => {
    const tasks = Array.from({ length: 8 }, (_, i) => ({ kind: 'sha256', input: { text: `member ${i}` } }))
    const out = await dispatchTool(clientB, 'p2p_taskqueue_submit', { tasks, wait: true })
    expect(out.results.map((r: any) => r.state)).toEqual(Array(8).fill('succeeded'))
    const bWorker = (await dispatchTool(clientB, 'p2p_taskqueue_worker_stats', { connectedOnly: true }))
      .workers[0]
    expect(bWorker.done).toBe(8)

    // B announces on a timer (relays.announceIntervalSeconds, 5 s by default); A shows
    // what B last announced.
    const snapshot = await vi.waitFor(
      async () => {
        const s = await firstSnapshot(pair.relayA.url)
        const reported = s.workers.members.find((m) => m.relay === pair.b.peerId)
        const row = s.relays.listed.find((r) => r.peerId === pair.b.peerId)
        const t = row?.throughput
        const finished = (t?.completedPerSecond ?? 0) * (t?.windowSeconds ?? 0)
        if (reported?.listed[0]?.done !== 8 || Math.abs(finished - 8) > 1e-6)
          throw new Error('A has not heard of the finished tasks yet')
        return s
      },
      { timeout: 30_000, interval: 250 },
    )

    const reported = snapshot.workers.members.find((m) => m.relay === pair.b.peerId)
    expect(reported).toMatchObject({ total: 1, stale: false })
    expect(reported?.listed).toEqual([
      expect.objectContaining({
        workerId: bWorker.workerId,
        peerId: bWorker.peerId,
        name: 'worker on B',
        kinds: bWorker.kinds.slice(0, 8),
        concurrency: bWorker.concurrency,
        slots: bWorker.slots,
        done: 8,
        failed: 0,
        inFlight: 0,
        connection: 'websocket',
      }),
    ])
    // A's own workers are its own: B's worker is listed only as reported by B.
    expect(snapshot.workers.connected).toBe(0)
    expect(snapshot.workers.listed).toEqual([])

    const row = snapshot.relays.listed.find((r) => r.peerId === pair.b.peerId)
    expect(row).toMatchObject({ self: false, workers: 1, stale: false })
    const t = row?.throughput
    expect(t?.windowSeconds).toBeGreaterThan(0)
    // 8 tasks over the window B measured: the rate times the window gives them back.
    expect((t?.completedPerSecond ?? 0) * (t?.windowSeconds ?? 0)).toBeCloseTo(8, 5)
    expect(t?.failedPerSecond).toBe(0)
    // The submit call and the stats call went through B's router.
    expect(t?.callsPerSecond).toBeGreaterThan(0)
    // This relay's own row has no announced throughput: the page derives it.
    expect(snapshot.relays.listed.find((r) => r.self)?.throughput).toBeNull()
  })
})

describe("relay A's dashboard page", { tags: ['chromium'] }, () => {
  it("shows B's throughput on the Overview and B's worker, marked as reported by B, on Workers", async () => {
    // Runs after the test above: B's worker has done 8 tasks and A has heard of them.
    browser = await launchChromium()
    const page = await browser.newPage()
    const problems: string[] = []
    page.on('pageerror', (err) => problems.push(`page error: ${err.message}`))
    page.on('console', (msg) => {
      if (msg.type() === 'error') problems.push(`console error: ${msg.text()}`)
    })
    mkdirSync(SHOTS, { recursive: true })
    const accessible = async () => {
      if (!(await page.evaluate(() => 'axe' in window))) await page.addScriptTag({ content: axe.source })
      const serious = await page.evaluate(async () => {
        const results = await (window as any).axe.run(document, { resultTypes: ['violations'] })
        return results.violations
          .filter((v: any) => v.impact === 'serious' || v.impact === 'critical')
          .map((v: any) => v.id)
      })
      expect(serious).toEqual([])
    }

    await page.goto(`${pair.relayA.url}/#/overview`)
    const row = page.locator(`tr[data-relay="${pair.b.peerId}"] [data-col="throughput"]`)
    await expect
      .poll(() => row.textContent(), { timeout: 15_000 })
      .toMatch(/tasks \(0\.0\/s failed\), .*calls/)
    await accessible()
    await page.screenshot({ path: join(SHOTS, 'members-overview.png'), fullPage: true })

    await page.evaluate(() => {
      location.hash = '#/workers'
    })
    const reported = page.locator('tr[data-member-worker]')
    await expect
      .poll(() => reported.locator('[data-col="done"]').textContent(), { timeout: 15_000 })
      .toBe('8')
    const text = await reported.textContent()
    expect(text).toContain('worker on B')
    expect(text).toContain('reported')
    expect(await reported.getAttribute('data-stale')).toBe('false')
    expect(await page.textContent('main')).toContain('No worker is connected to this relay')
    await accessible()
    await page.screenshot({ path: join(SHOTS, 'members-workers.png'), fullPage: true })
    expect(problems).toEqual([])
  })
})

describe("a member relay's report once it stops announcing", () => {
  it('is marked stale after three of its announcement intervals', async () => {
    const [a, b] = [await identity(), await identity()]
    const relayA = await startTestRelay(pairConfig(a, b))
    try {
      // B announces every 200 ms and says so, so A judges B's age by B's timer.
      const relayB = await startTestRelay({
        ...pairConfig(b, a),
        relays: { members: [a.peerId], announceIntervalSeconds: 0.2 },
      })
      try {
        // B is listed, and its report fresh, while it announces.
        const fresh = await vi.waitFor(
          async () => {
            const s = await firstSnapshot(relayA.url)
            if (s.relays.listed.find((r) => r.peerId === b.peerId)?.stale !== false)
              throw new Error('A has no fresh announcement from B')
            return s
          },
          { timeout: 20_000, interval: 100 },
        )
        expect(fresh.workers.members).toEqual([expect.objectContaining({ relay: b.peerId, total: 0 })])
      } finally {
        await relayB.close()
      }
      const old = await vi.waitFor(
        async () => {
          const s = await firstSnapshot(relayA.url)
          if (!s.relays.listed.find((r) => r.peerId === b.peerId)?.stale)
            throw new Error('B is not stale yet')
          return s
          // Well before three of A's own intervals (15 s): B's age is judged by B's timer.
        },
        { timeout: 10_000, interval: 100 },
      )
      const row = old.relays.listed.find((r) => r.peerId === b.peerId)
      expect(row?.ageMs).toBeGreaterThan(3 * 200)
      expect(row?.ageMs).toBeLessThan(3 * 5000)
      expect(old.workers.members).toEqual([expect.objectContaining({ relay: b.peerId, stale: true })])
    } finally {
      await relayA.close()
    }
  })
})
