import { spawn } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'

const MAIN = join(import.meta.dirname, '..', 'relay', 'main.ts')

interface Run {
  code: number | null
  stdout: string
  stderr: string
}

function run(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--disable-warning=ExperimentalWarning', MAIN, ...args], {
      env: { ...process.env, ...env },
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => {
      stdout += d
    })
    child.stderr.on('data', (d) => {
      stderr += d
    })
    child.on('close', (code) => resolve({ code, stdout, stderr }))
  })
}

describe('relay command line', () => {
  it('documents every flag and env variable in --help', async () => {
    const { code, stdout } = await run(['--help'])
    expect(code).toBe(0)
    for (const name of [
      '--port',
      'MCPP_PORT',
      '--p2p-port',
      'MCPP_DATA_DIR',
      'MCPP_TOKEN',
      '--expose',
      '--config',
    ]) {
      expect(stdout).toContain(name)
    }
  })

  it('stops with status 2 naming the bad key of a config file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mcpp-cli-'))
    const file = join(dir, 'relay.yaml')
    writeFileSync(file, 'port: 8000\nprot: 9\nrouter:\n  fallback: sideways\n')
    const { code, stderr } = await run(['--config', file])
    expect(code).toBe(2)
    expect(stderr).toContain("'prot'")
    expect(stderr).toContain("'router.fallback'")
  })

  it('stops with status 2 naming a bad environment variable', async () => {
    const { code, stderr } = await run([], { MCPP_PORT: 'eighty' })
    expect(code).toBe(2)
    expect(stderr).toContain('MCPP_PORT')
  })

  it('starts, serves /healthz, and exits cleanly on SIGTERM', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'mcpp-cli-'))
    const child = spawn(
      process.execPath,
      ['--disable-warning=ExperimentalWarning', MAIN, '--port', '0', '--p2p-port', '0'],
      {
        env: { ...process.env, MCPP_DATA_DIR: dataDir, MCPP_LOG_LEVEL: 'warn' },
      },
    )
    const url = await new Promise<string>((resolve, reject) => {
      let out = ''
      child.stdout.on('data', (d) => {
        out += d
        const match = /MCP endpoint (http:\/\/\S+)\/mcp/.exec(out)
        if (match?.[1]) resolve(match[1])
      })
      child.on('close', (code) => reject(new Error(`relay exited with ${code}`)))
    })
    const health = await (await fetch(`${url}/healthz`)).json()
    expect(health.status).toBe('ok')
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve))
    child.kill('SIGTERM')
    expect(await exited).toBe(0)
  })
})
