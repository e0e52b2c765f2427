// @module-tag chromium: the whole file drives Chromium (skipped without it; tests/requirements.ts)
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import axe from 'axe-core'
import type { Browser } from 'playwright-core'
import { afterAll, describe, expect, it } from 'vitest'
import { launchChromium } from './browser.ts'
import { failOnceThenEcho, scriptedWorker } from './fake-worker.ts'
import { workerHarness } from './fixtures/worker-harness.ts'

const SHOTS = join(import.meta.dirname, '..', 'test-results', 'dashboard')
const h = workerHarness()
let browser: Browser | undefined
afterAll(async () => browser?.close())

const ok = (tool: string, params: Record<string, unknown>) => h.ok(tool, params)

describe("the dashboard's task detail", () => {
  it('shows the input and both attempts of a task that failed once and succeeded on retry, with the first error', async () => {
    await h.start()
    await scriptedWorker(await h.peer(), failOnceThenEcho())
    const out = await ok('p2p_taskqueue_submit', {
      kind: 'echo',
      input: { text: 'shown on the page' },
      wait: true,
      waitTimeoutMs: 20_000,
    })
    expect(out.results[0]).toMatchObject({ state: 'succeeded', attempt: 2 })
    const taskId = out.tasks[0].id

    browser = await launchChromium()
    const page = await browser.newPage()
    const problems: string[] = []
    page.on('pageerror', (err) => problems.push(err.message))
    page.on('console', (msg) => msg.type() === 'error' && problems.push(msg.text()))
    await page.goto(`${h.relay.url}/#/tasks/${taskId}`)
    await page.waitForSelector('#task-state:text-is("succeeded")')
    await page.waitForSelector('#task-attempts tbody tr[data-outcome]')
    expect(await page.textContent('#task-input')).toContain('shown on the page')
    const rows = page.locator('#task-attempts tbody tr')
    expect(await rows.count()).toBe(2)
    expect(await rows.nth(0).getAttribute('data-outcome')).toBe('requeued')
    expect(await rows.nth(0).locator('[data-col="error"]').textContent()).toBe(
      'TASK_FAILED: flaky the first time',
    )
    expect(await rows.nth(1).getAttribute('data-outcome')).toBe('succeeded')
    expect(await rows.nth(1).locator('[data-col="error"]').textContent()).toBe('—')
    expect(await rows.nth(1).locator('td').first().textContent()).toBe('2')

    await page.addScriptTag({ content: axe.source })
    const violations = await page.evaluate(async () => {
      const results = await (window as any).axe.run(document, { resultTypes: ['violations'] })
      return results.violations
        .filter((v: any) => v.impact === 'serious' || v.impact === 'critical')
        .map((v: any) => v.id)
    })
    expect(violations).toEqual([])
    mkdirSync(SHOTS, { recursive: true })
    await page.screenshot({ path: join(SHOTS, 'task-attempts.png'), fullPage: true })
    expect(problems).toEqual([])
  })
})
