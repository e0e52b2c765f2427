import { execFile } from 'node:child_process'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { promisify, stripVTControlCharacters } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RunningRelay } from '../relay/relay.ts'
import { startTestRelay } from './helpers.ts'

/**
 * Issue 15: the official MCP conformance suite (@modelcontextprotocol/conformance)
 * against a relay. These are its server scenarios that need no fixture of the suite's
 * own; the others call tools, resources and prompts only the suite's reference server
 * has (`test_simple_text`, `test://static-text`, `test_simple_prompt`, …). The suite
 * covers 2025-11-25; the 2026-07-28 revision is covered by tests/mcp-modern.test.ts.
 */
const SCENARIOS = [
  'server-initialize',
  'ping',
  'logging-set-level',
  'tools-list',
  'resources-list',
  'prompts-list',
  'completion-complete',
  'server-sse-multiple-streams',
  'dns-rebinding-protection',
]

const run = promisify(execFile)
const CLI = join(
  createRequire(import.meta.url).resolve('@modelcontextprotocol/conformance/package.json'),
  '..',
  'dist',
  'index.js',
)

let relay: RunningRelay
beforeAll(async () => {
  // The suite dials "localhost"; the relay's Host check accepts it on a loopback bind.
  relay = await startTestRelay({ disableP2p: true })
})
afterAll(() => relay?.close())

describe('the MCP conformance suite', () => {
  it.for(SCENARIOS)('passes %s', { timeout: 60_000 }, async (scenario) => {
    const url = `http://localhost:${new URL(relay.url).port}/mcp`
    const { stdout } = await run(process.execPath, [CLI, 'server', '--url', url, '--scenario', scenario], {
      timeout: 50_000,
    })
    const plain = stripVTControlCharacters(stdout)
    const summary = /Passed: (\d+)\/(\d+), (\d+) failed, (\d+) warnings/.exec(plain)
    expect(summary, plain).not.toBeNull()
    const [, passed, total, failed, warnings] = summary as RegExpExecArray
    expect({ failed: Number(failed), warnings: Number(warnings) }, plain).toEqual({ failed: 0, warnings: 0 })
    expect(Number(passed), plain).toBe(Number(total))
    expect(Number(total)).toBeGreaterThan(0)
  })
})
