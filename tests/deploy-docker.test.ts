import { existsSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { validate as lint } from 'dockerfile-utils'
import { describe, expect, it } from 'vitest'
import { loadConfig } from '../relay/config/load.ts'
import { parseWorkerCli } from '../worker/node/cli-options.ts'
import {
  envOf,
  execForm,
  instructionsOf,
  parseDockerfile,
  ROOT,
  readText,
  readYaml,
  stageChain,
} from './deploy-files.ts'
import { npmScript } from './npm-script.ts'

// No Docker engine runs here, so `docker build` cannot: these read the Dockerfile as
// text and hold it to the rules that matter (hadolint's, and the relay's own).
const dockerfile = parseDockerfile(readText('Dockerfile'))
const { stages } = dockerfile
const relayStages = stageChain(stages, 'relay')
const workerStages = stageChain(stages, 'worker')
const pkg = JSON.parse(readText('package.json')) as {
  scripts: Record<string, string>
  engines: { node: string }
}
const compose = readYaml('compose.yaml')

/** The node command of an npm script: `exec node --flag x.js` → ['node', '--flag', 'x.js']. */
const nodeCommand = (script: string) => npmScript(script).command

const lastOf = (chain: readonly { instructions: { keyword: string; args: string }[] }[], keyword: string) =>
  chain.flatMap((s) => s.instructions.filter((i) => i.keyword === keyword)).at(-1)

describe('Dockerfile', () => {
  it('passes a Dockerfile linter (dockerfile-utils, the VS Code Docker extension one)', () => {
    expect(lint('FROM node:22\nRUNN echo').map((d) => d.message)).toContain('Unknown instruction: RUNN')
    expect(lint(readText('Dockerfile')).map((d) => `line ${d.range.start.line + 1}: ${d.message}`)).toEqual(
      [],
    )
  })

  it('builds in one stage and runs the relay from a later, slim one (the default target)', () => {
    expect(stages.length).toBeGreaterThanOrEqual(3)
    expect(stages.at(-1)?.name).toBe('relay')
    const build = stages.find((s) => s.name === 'build')!
    const runs = instructionsOf(build, 'RUN').map((r) => r.args)
    // The lockfile is copied before `npm ci`, so the install layer is cached and exact.
    const copyLock = build.instructions.findIndex(
      (i) => i.keyword === 'COPY' && i.args.includes('package-lock.json'),
    )
    const ci = build.instructions.findIndex((i) => i.keyword === 'RUN' && /\bnpm ci\b/.test(i.args))
    expect(copyLock).toBeGreaterThanOrEqual(0)
    expect(ci).toBeGreaterThan(copyLock)
    expect(runs.some((r) => r.includes('npm run build') && r.includes('npm prune --omit=dev'))).toBe(true)
    expect(relayStages[0]?.image).toMatch(/-slim$/)
  })

  it('copies only package.json, production node_modules and dist/ into the relay image', () => {
    const copied = relayStages.flatMap((s) => instructionsOf(s, 'COPY')).map((c) => c.args)
    expect(copied).toEqual([
      '--from=build /app/package.json ./',
      '--from=build /app/node_modules ./node_modules',
      '--from=build /app/dist ./dist',
    ])
  })

  it('names a tag for every base image and none is latest', () => {
    for (const image of [
      ...stages.map((s) => s.image),
      ...Object.values<any>(compose.services).map((s) => s.image),
    ]) {
      if (image === undefined || stages.some((s) => s.name === image)) continue
      expect(image, image).toMatch(/^[\w./-]+:[\w.-]+$/)
      expect(image, image).not.toMatch(/:latest$/)
    }
  })

  it('runs on a Node that package.json engines accepts', () => {
    const major = Number(dockerfile.args.NODE_MAJOR)
    const [minMajor] = pkg.engines.node.replace('>=', '').split('.').map(Number)
    // The image tag is a major line (its newest release), so the major must be at least the minimum's.
    expect(major).toBeGreaterThanOrEqual(minMajor as number)
    for (const s of stages.filter((s) => s.image.startsWith('node:')))
      expect(s.image).toMatch(`node:${major}-`)
  })

  it('runs both images as an unprivileged user', () => {
    for (const chain of [relayStages, workerStages]) {
      const user = lastOf(chain, 'USER')?.args
      expect(user).toBeDefined()
      expect(['root', '0', '0:0']).not.toContain(user)
    }
  })

  it('starts the relay exactly as `npm start` does, without its prestart build', () => {
    const entry = execForm(lastOf(relayStages, 'ENTRYPOINT')!.args)
    expect(entry).toEqual(nodeCommand('start'))
    // The environment defaults `npm start` sets (MALLOC_ARENA_MAX) are the image's too.
    const defaults = npmScript('start').envDefaults
    expect(Object.keys(defaults)).toContain('MALLOC_ARENA_MAX')
    expect(envOf(relayStages)).toMatchObject(defaults)
    const worker = execForm(lastOf(workerStages, 'ENTRYPOINT')!.args)
    expect(worker).toEqual(nodeCommand('worker'))
    // The built entry points come from these sources (tsconfig.build.json: relay/ → dist/relay/).
    expect(existsSync(join(ROOT, 'relay/main.ts'))).toBe(true)
    expect(existsSync(join(ROOT, 'worker/node/main.ts'))).toBe(true)
  })

  it('gives the worker image every package its sources import (it has no development dependencies)', () => {
    const copied = workerStages.flatMap((s) => instructionsOf(s, 'COPY')).map((c) => c.args.split(' ').at(-1))
    expect(copied).toEqual(['./', './node_modules', './shared', './worker'])
    const production = new Set(Object.keys((pkg as any).dependencies))
    const sources = ['shared', 'worker'].flatMap((dir) =>
      readdirSync(join(ROOT, dir), { recursive: true, encoding: 'utf8' })
        .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))
        .map((f) => join(dir, f)),
    )
    const missing = new Set<string>()
    for (const file of sources)
      for (const [, specifier = ''] of readText(file).matchAll(/from '([^'.][^']*)'/g)) {
        if (specifier.startsWith('node:')) continue
        const name = specifier.startsWith('@')
          ? specifier.split('/').slice(0, 2).join('/')
          : specifier.split('/')[0]
        if (!production.has(name as string)) missing.add(`${file}: ${specifier}`)
      }
    expect([...missing]).toEqual([])
  })

  it('checks liveness at /healthz, exposes HTTP and libp2p, listens on all interfaces and keeps data in /data', () => {
    const health = lastOf(relayStages, 'HEALTHCHECK')!.args
    expect(health).toMatch(/--interval=\d+s/)
    expect(execForm(health)?.join(' ')).toContain('/healthz')
    expect(lastOf(relayStages, 'EXPOSE')?.args.split(/\s+/)).toEqual(['8000', '8001'])
    expect(lastOf(relayStages, 'VOLUME')?.args).toBe('["/data"]')
    const env = envOf(relayStages)
    expect(env).toMatchObject({ MCPP_HOST: '0.0.0.0', MCPP_DATA_DIR: '/data' })
    // Every setting the image makes is one the relay accepts.
    const loaded = loadConfig({ argv: [], env, readFile: readText })
    expect(loaded).toMatchObject({ ok: true, config: { host: '0.0.0.0', port: 8000, dataDir: '/data' } })
  })

  it('keeps the build context to sources: no node_modules, dist, data or git history', () => {
    const ignored = readText('.dockerignore').split('\n')
    for (const entry of ['node_modules', 'dist', '.mcpp', '.git']) expect(ignored).toContain(entry)
  })
})

describe('compose.yaml', () => {
  const services = compose.services as Record<string, any>
  const relays = ['relay-a', 'relay-b']
  const environment = (name: string) => ({ ...envOf(relayStages), ...services[name].environment })

  it('starts two relays, a worker, Prometheus and Grafana, after the step that makes the relays known to each other', () => {
    expect(Object.keys(services).sort()).toEqual([
      'grafana',
      'prometheus',
      'relay-a',
      'relay-b',
      'relay-keys',
      'worker',
    ])
    for (const relay of relays) {
      expect(services[relay].depends_on['relay-keys']).toEqual({
        condition: 'service_completed_successfully',
      })
      expect(services[relay].build.target).toBe('relay')
    }
    const keys = services['relay-keys']
    expect(keys.entrypoint.join(' ')).toContain('dist/relay/deploy/network-keys-main.js')
    expect(existsSync(join(ROOT, 'relay/deploy/network-keys-main.ts'))).toBe(true)
    // It writes each relay's data volume; the relay reads the peers file from there.
    const relaysArg = keys.command[keys.command.indexOf('--relays') + 1]
    expect(relaysArg.split(',')).toEqual(relays)
    for (const relay of relays) {
      const volume = `${relay}-data`
      expect(keys.volumes).toContain(`${volume}:/volumes/${relay}`)
      expect(services[relay].volumes).toContain(`${volume}:/data`)
      expect(environment(relay).MCPP_PEERS_FILE).toBe('/data/peers.json')
    }
  })

  it('gives each relay settings the relay accepts, with public metrics and its own name allowed', () => {
    for (const relay of relays) {
      const env = environment(relay)
      const loaded = loadConfig({ argv: [], env, readFile: readText })
      expect(loaded, JSON.stringify(loaded)).toMatchObject({
        ok: true,
        config: {
          auth: { publicMetrics: true },
          allowedHosts: [relay],
          p2p: { announce: [`/dns4/${relay}/tcp/8001/ws`] },
        },
      })
    }
  })

  it('points the worker at a relay with settings the worker accepts', () => {
    const worker = services.worker
    expect(worker.build.target).toBe('worker')
    const parsed = parseWorkerCli([], worker.environment)
    expect(parsed).toMatchObject({ ok: true, options: { relay: 'http://relay-a:8000', concurrency: 2 } })
    expect(worker.depends_on['relay-a']).toEqual({ condition: 'service_healthy' })
  })

  it('publishes ports on loopback only and mounts files that exist', () => {
    for (const [name, service] of Object.entries(services)) {
      for (const port of service.ports ?? []) expect(port, name).toMatch(/^127\.0\.0\.1:/)
      for (const volume of service.volumes ?? []) {
        const [source] = volume.split(':')
        if (source.startsWith('./')) expect(existsSync(join(ROOT, source)), volume).toBe(true)
      }
    }
  })
})
