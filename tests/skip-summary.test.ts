import { spawn } from 'node:child_process'
import { mkdtempSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { findChromium, missingRequirements } from './requirements.ts'

const ROOT = join(import.meta.dirname, '..')
const FIXTURE = join(import.meta.dirname, 'fixtures', 'skip-summary')
const VITEST = join(ROOT, 'node_modules', 'vitest', 'vitest.mjs')

/** A PATH holding only `node`: no ffmpeg or ffprobe on it, whatever this machine has. */
function barePath(): string {
  const dir = mkdtempSync(join(tmpdir(), 'mcpp-bare-path-'))
  symlinkSync(process.execPath, join(dir, 'node'))
  return dir
}

/** Runs vitest on the fixture as `npm test` would on a machine with neither Chromium nor ffmpeg. */
function runFixture(extraEnv: Record<string, string> = {}): Promise<{ code: number | null; output: string }> {
  const env = {
    HOME: process.env.HOME ?? tmpdir(),
    PATH: barePath(),
    MCPP_CHROMIUM: '/nonexistent/chromium',
    NO_COLOR: '1',
    ...extraEnv,
  }
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [VITEST, 'run', '--root', FIXTURE, '--config', join(FIXTURE, 'vitest.config.ts')],
      {
        cwd: FIXTURE,
        env,
      },
    )
    let output = ''
    child.stdout.on('data', (chunk) => (output += chunk))
    child.stderr.on('data', (chunk) => (output += chunk))
    child.once('error', reject)
    child.once('close', (code) => resolve({ code, output }))
  })
}

describe('what needs Chromium or ffmpeg', () => {
  it('is skipped without them while the rest runs, and the end of the output says what and how to install it', async () => {
    const { code, output } = await runFixture()
    expect(code, output).toBe(0)
    expect(output).toMatch(/Tests\s+2 passed \| 3 skipped/)
    const summary = output.slice(output.indexOf('Skipped, because this machine lacks a program they need:'))
    expect(summary).toContain(
      'needs-chromium.fixture.ts > a browser suite (2 tests): needs Chromium (or Chrome)',
    )
    expect(summary).toContain('needs-ffmpeg.fixture.ts > a media suite (1 test): needs ffmpeg and ffprobe')
    expect(summary).not.toContain('plain.fixture.ts')
    expect(summary).toContain(
      'Chromium (or Chrome): not found (looked at MCPP_CHROMIUM=/nonexistent/chromium)',
    )
    expect(summary).toContain('Debian: sudo apt-get install -y chromium ffmpeg')
    expect(summary).toContain('macOS:  brew install --cask google-chrome && brew install ffmpeg')
    // The summary is the last thing printed.
    expect(output.trimEnd().endsWith('which fails instead of skipping.')).toBe(true)
  })

  it('fails the run instead with MCPP_REQUIRE_ALL=1, saying what is missing', async () => {
    const { code, output } = await runFixture({ MCPP_REQUIRE_ALL: '1' })
    expect(code).not.toBe(0)
    expect(output).toContain(
      'MCPP_REQUIRE_ALL=1: every suite must run, but this machine lacks programs some need',
    )
    expect(output).toContain('sudo apt-get install -y chromium ffmpeg')
    expect(output).not.toMatch(/Tests\s+\d+ passed/)
  })
})

describe('finding Chromium', () => {
  it('takes MCPP_CHROMIUM when it names a file, and nothing else then', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'mcpp-chromium-')), 'my-chromium')
    writeFileSync(file, '')
    expect(findChromium({ MCPP_CHROMIUM: file })).toBe(file)
    expect(findChromium({ MCPP_CHROMIUM: `${file}-missing` })).toBeUndefined()
    expect(missingRequirements({ MCPP_CHROMIUM: `${file}-missing`, PATH: '' }).map((r) => r.tag)).toEqual([
      'chromium',
      'ffmpeg',
    ])
  })
})
