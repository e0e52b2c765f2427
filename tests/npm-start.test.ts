import { type ChildProcess, execFileSync, spawn } from 'node:child_process'
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { LOCK_FILE } from '../relay/data-dir-lock.ts'
import { checkNodeVersion } from '../shared/node-version.ts'
import { exited, spawnRelay } from './relay-process.ts'

const ROOT = join(import.meta.dirname, '..')
const ENGINES = (
  JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { engines: { node: string } }
).engines.node

/**
 * A copy of the package as `npm start` sees it: package.json verbatim, node_modules,
 * and the relay compiled into its own dist/ (the build step of `prestart`, without
 * Vite: no test here needs the pages). Built apart from the checkout's dist/ so that a
 * relay someone is running from there is left alone.
 */
let pkg: string
beforeAll(() => {
  pkg = mkdtempSync(join(tmpdir(), 'mcpp-pkg-'))
  copyFileSync(join(ROOT, 'package.json'), join(pkg, 'package.json'))
  symlinkSync(join(ROOT, 'node_modules'), join(pkg, 'node_modules'))
  execFileSync(join(ROOT, 'node_modules', '.bin', 'tsc'), [
    '-p',
    join(ROOT, 'tsconfig.build.json'),
    '--outDir',
    join(pkg, 'dist'),
  ])
}, 120_000)
afterAll(() => rmSync(pkg, { recursive: true, force: true }))

/** `npm start` exactly as a user types it, minus the build (`--ignore-scripts` skips `prestart` only). */
function npmStart(
  dataDir: string,
  env: NodeJS.ProcessEnv = process.env,
): {
  npm: ChildProcess
  ready: Promise<string>
  outputEnded: Promise<void>
} {
  const npm = spawn(
    'npm',
    [
      'start',
      '--ignore-scripts',
      '--',
      '--port',
      '0',
      '--p2p-port',
      '0',
      '--data-dir',
      dataDir,
      '--log-level',
      'warn',
    ],
    { cwd: pkg, stdio: ['ignore', 'pipe', 'pipe'], env },
  )
  let out = ''
  let err = ''
  npm.stderr?.on('data', (d) => {
    err += d
  })
  const ready = new Promise<string>((resolve, reject) => {
    npm.stdout?.on('data', (d) => {
      out += d
      const match = /MCP endpoint (http:\/\/\S+)\/mcp/.exec(out)
      if (match?.[1]) resolve(match[1])
    })
    npm.once('exit', (code) => reject(new Error(`npm exited with ${code}: ${err}`)))
  })
  // The relay inherits npm's stdout: the pipe ends only when both have exited.
  const outputEnded = new Promise<void>((resolve) => npm.stdout?.once('end', () => resolve()))
  return { npm, ready, outputEnded }
}

/** Resolves once the process has exited and its output has been read to the end. */
function closed(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null && child.stdout?.readableEnded !== false) return resolve()
    child.once('close', () => resolve())
  })
}

/** Whether this process can listen on the port (nothing else holds it). */
function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer()
    server.once('error', () => resolve(false))
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)))
  })
}

/** One variable of a running process's environment, from /proc. */
function envOfPid(pid: number, name: string): string | undefined {
  const entries = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0')
  return entries.find((e) => e.startsWith(`${name}=`))?.slice(name.length + 1)
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}

describe('the build', () => {
  it('puts no package.json of its own in dist/: the relay finds the package root, and with it the pages', () => {
    // A JSON import compiled by tsc copies package.json into dist/, where it would
    // shadow the real one: the relay would then look for dist/dist/web and serve no pages.
    expect(existsSync(join(pkg, 'dist', 'package.json'))).toBe(false)
    expect(existsSync(join(pkg, 'dist', 'relay', 'main.js'))).toBe(true)
  })
})

describe('stopping npm start', () => {
  it('SIGTERM to the npm process alone stops the relay: no process keeps the port or the data-dir lock', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'mcpp-npm-'))
    const { npm, ready, outputEnded } = npmStart(dataDir)
    const url = await ready
    const relayPid = Number(readFileSync(join(dataDir, LOCK_FILE), 'utf8'))
    expect(relayPid).not.toBe(npm.pid)
    try {
      // glibc reads it once, at the relay's start: two arenas keep its RSS flat over days.
      expect(envOfPid(relayPid, 'MALLOC_ARENA_MAX')).toBe('2')
      npm.kill('SIGTERM')
      await exited(npm)
      // npm waits for its child: once npm is gone, so is the relay.
      expect(alive(relayPid)).toBe(false)
      await outputEnded
      expect(existsSync(join(dataDir, LOCK_FILE))).toBe(false)
      expect(await portFree(Number(new URL(url).port))).toBe(true)
      // The data directory is free for the next relay.
      const next = await spawnRelay(['--port', '0', '--p2p-port', '0', '--data-dir', dataDir])
      next.child.kill('SIGTERM')
      await exited(next.child)
      expect(next.child.exitCode).toBe(0)
    } finally {
      if (alive(relayPid)) process.kill(relayPid, 'SIGKILL')
    }
  })

  it('a relay whose npm was killed outright (SIGKILL, nothing forwarded) notices and stops', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'mcpp-npm-'))
    // An operator's own MALLOC_ARENA_MAX wins over the script's default.
    const { npm, ready, outputEnded } = npmStart(dataDir, { ...process.env, MALLOC_ARENA_MAX: '4' })
    const url = await ready
    const relayPid = Number(readFileSync(join(dataDir, LOCK_FILE), 'utf8'))
    try {
      expect(envOfPid(relayPid, 'MALLOC_ARENA_MAX')).toBe('4')
      npm.kill('SIGKILL')
      await exited(npm)
      await outputEnded
      // The relay stopped by itself, in order: a crash or a kill would have left the lock.
      expect(existsSync(join(dataDir, LOCK_FILE))).toBe(false)
      expect(await portFree(Number(new URL(url).port))).toBe(true)
    } finally {
      if (alive(relayPid)) process.kill(relayPid, 'SIGKILL')
    }
  })
})

describe('the built relay on an older Node', () => {
  /** A Node older than `engines` on this machine, if there is one (Debian's packaged Node is often older). */
  const oldNode = ['/usr/bin/node', '/usr/local/bin/node'].find((path) => {
    if (!existsSync(path)) return false
    const version = execFileSync(path, ['--version'], { encoding: 'utf8' }).trim()
    return !checkNodeVersion(version, ENGINES).ok
  })

  it.skipIf(oldNode === undefined)(
    'prints one line naming the Node version needed, not ERR_UNKNOWN_BUILTIN_MODULE',
    async () => {
      const dataDir = mkdtempSync(join(tmpdir(), 'mcpp-old-'))
      const child = spawn(oldNode as string, [join(pkg, 'dist', 'relay', 'main.js'), '--data-dir', dataDir], {
        stdio: ['ignore', 'pipe', 'pipe'],
      })
      let stderr = ''
      child.stderr?.on('data', (d) => {
        stderr += d
      })
      await closed(child)
      expect(child.exitCode).toBe(1)
      expect(stderr.trim().split('\n')).toHaveLength(1)
      expect(stderr).toContain(`Node.js ${ENGINES.replace('>=', '')} or newer is needed`)
      expect(stderr).not.toContain('ERR_UNKNOWN_BUILTIN_MODULE')
    },
  )

  it('checks the version before it loads anything of the relay (the running Node made to report 20.0.0)', async () => {
    // The relay would start on this Node; only the entry's check can stop it.
    const fake = 'data:text/javascript,Object.defineProperty(process.versions,"node",{value:"20.0.0"})'
    const dataDir = mkdtempSync(join(tmpdir(), 'mcpp-old-'))
    const args = ['--import', fake, join(pkg, 'dist', 'relay', 'main.js'), '--port', '0', '--p2p-port', '0']
    const child = spawn(process.execPath, [...args, '--data-dir', dataDir], {
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout?.on('data', (d) => {
      stdout += d
      // Without the check the relay starts: stop it, and the assertions below fail.
      if (stdout.includes('ready')) child.kill('SIGTERM')
    })
    child.stderr?.on('data', (d) => {
      stderr += d
    })
    await closed(child)
    expect(stdout).toBe('')
    expect(child.exitCode).toBe(1)
    expect(stderr.trim()).toBe(
      `mcpp: Node.js ${ENGINES.replace('>=', '')} or newer is needed (package.json engines: "${ENGINES}"); this is Node.js 20.0.0`,
    )
  })
})
