import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type BrowserContext, chromium } from 'playwright-core'
import { CHROMIUM, CHROMIUM_FLAGS } from '../browser.ts'

/**
 * Headless Chromium in its own process, driven by playwright only while a bench sets
 * tabs up. Playwright's DevTools session records every WebSocket frame of every page
 * and worker; on this 2-core machine that costs the tabs more CPU than their own work
 * (measured: 4 tabs 4,300 → 7,500 tasks/s once detached). Volunteers' tabs run with no
 * debugger attached, so the bench measures them that way too.
 */
export interface DetachedChromium {
  /** The browser's DevTools WebSocket URL, for raw CDP reads that must not attach playwright (the soak's heap samples). */
  cdpUrl: string
  /** Attaches playwright, runs `setup` in the default context, then detaches; pages stay open. */
  withSession<T>(setup: (context: BrowserContext) => Promise<T>): Promise<T>
  close(): Promise<void>
}

const LISTENING = /DevTools listening on (ws:\/\/\S+)/

export async function startDetachedChromium(): Promise<DetachedChromium> {
  const profile = mkdtempSync(join(tmpdir(), 'mcpp-chromium-'))
  const child = spawn(
    CHROMIUM,
    [...CHROMIUM_FLAGS, '--remote-debugging-port=0', `--user-data-dir=${profile}`, 'about:blank'],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  )
  const cdpUrl = await devToolsUrl(child)
  return {
    cdpUrl,
    async withSession(setup) {
      const browser = await chromium.connectOverCDP(cdpUrl)
      try {
        const context = browser.contexts()[0]
        if (context === undefined) throw new Error('chromium has no default browser context')
        return await setup(context)
      } finally {
        await browser.close()
      }
    },
    async close() {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve))
        child.kill()
        await exited
      }
      // Its helper processes may still be writing the profile as they exit; a leftover
      // temporary profile must not cost the run its results.
      try {
        rmSync(profile, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 })
      } catch (err) {
        process.stderr.write(`bench: left the Chromium profile ${profile}: ${(err as Error).message}\n`)
      }
    },
  }
}

const START_TIMEOUT_MS = 30_000

/** Chromium prints its DevTools WebSocket URL on stderr once it listens. */
function devToolsUrl(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let stderr = ''
    const onExit = (code: number | null) => {
      clearTimeout(timer)
      reject(new Error(`chromium exited with ${code}: ${stderr}`))
    }
    const timer = setTimeout(() => {
      child.off('exit', onExit)
      child.kill()
      reject(new Error(`chromium did not open its DevTools port in ${START_TIMEOUT_MS} ms: ${stderr}`))
    }, START_TIMEOUT_MS)
    child.once('exit', onExit)
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString()
      const url = LISTENING.exec(stderr)?.[1]
      if (url === undefined) return
      clearTimeout(timer)
      child.off('exit', onExit)
      child.stderr?.removeAllListeners('data')
      child.stderr?.resume()
      resolve(url)
    })
  })
}
