import { execFile } from 'node:child_process'
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, relative, resolve } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

/**
 * Issue 10: the boundaries between runtimes are checked by tools, not by reviewers.
 * Each rule is proven to fire on a small offending file, written to a temporary
 * project that has the repository's own biome.json and tsconfig files, and proven
 * not to fire where the code is allowed (so a rule switched on everywhere fails too).
 */

const ROOT = resolve(import.meta.dirname, '..')
const BIN = join(ROOT, 'node_modules', '.bin')
const run = promisify(execFile)

/** Runs a command that exits non-zero when it finds problems; returns its output either way. */
async function output(command: string, args: string[], cwd: string): Promise<string> {
  try {
    return (await run(command, args, { cwd, maxBuffer: 16 * 1024 * 1024 })).stdout
  } catch (err) {
    const failed = err as { stdout?: string; code?: unknown }
    if (typeof failed.stdout !== 'string' || typeof failed.code !== 'number') throw err
    return failed.stdout
  }
}

function write(dir: string, files: Record<string, string>): void {
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true })
    writeFileSync(join(dir, path), text)
  }
}

const temp = mkdtempSync(join(tmpdir(), 'mcpp-boundaries-'))
afterAll(() => rmSync(temp, { recursive: true, force: true }))

describe('lint boundaries (biome.json)', () => {
  /** Rule names by probe file (paths in the temporary project), e.g. `['noNodejsModules']`. */
  const found = new Map<string, string[]>()
  const dir = join(temp, 'lint')

  beforeAll(async () => {
    const config = JSON.parse(readFileSync(join(ROOT, 'biome.json'), 'utf8'))
    delete config.$schema
    write(dir, {
      'biome.json': JSON.stringify(config),
      'shared/node-fs.ts': "import { readFileSync } from 'node:fs'\nexport const f = readFileSync\n",
      'shared/bare-fs.ts': "import fs from 'fs'\nexport const f = fs\n",
      'worker/core/node-path.ts': "import { join } from 'node:path'\nexport const f = join\n",
      'worker/browser/node-os.ts': "import { tmpdir } from 'node:os'\nexport const f = tmpdir\n",
      'web/node-os.ts': "import { tmpdir } from 'node:os'\nexport const f = tmpdir\n",
      'relay/node-fs.ts': "import { readFileSync } from 'node:fs'\nexport const f = readFileSync\n",
      'relay/edge/node-fs.ts': "import { readFileSync } from 'node:fs'\nexport const f = readFileSync\n",
      'relay/edge/uses-relay.ts': "import { x } from '../x.ts'\nexport const y = x\n",
      'relay/edge/uses-shared.ts': "import { s } from '../../shared/s.ts'\nexport const y = s\n",
      'shared/s.ts': 'export const s = 1\n',
      'worker/node/node-os.ts': "import { tmpdir } from 'node:os'\nexport const f = tmpdir\n",
      'worker/compute/node-compute.ts':
        "import { Worker } from 'node:worker_threads'\nexport const W = Worker\n",
      'relay/x.ts': 'export const x = 1\n',
      'shared/uses-relay.ts': "import { x } from '../relay/x.ts'\nexport const y = x\n",
      'worker/core/uses-relay.ts': "import { x } from '../../relay/x.ts'\nexport const y = x\n",
      'web/uses-relay.ts': "import { x } from '../relay/x.ts'\nexport const y = x\n",
      'shared/uses-worker.ts': "import { f } from '../worker/core/node-path.ts'\nexport const y = f\n",
      'tests/uses-relay.ts': "import { x } from '../relay/x.ts'\nexport const y = x\n",
      'relay/store/whole-relay.test.ts':
        "import { startTestRelay } from '../../tests/helpers.ts'\nexport const s = startTestRelay\n",
      'relay/store/components.test.ts':
        "import { createComponents } from '../components.ts'\nexport const c = createComponents\n",
      'relay/store/one-module.test.ts': "import { x } from '../x.ts'\nexport const y = x\n",
      'relay/cycle-a.ts': "import { b } from './cycle-b.ts'\nexport const a = () => b\n",
      'relay/cycle-b.ts': "import { a } from './cycle-a.ts'\nexport const b = () => a\n",
      'shared/type-cycle-a.ts': "import type { B } from './type-cycle-b.ts'\nexport interface A { b?: B }\n",
      'shared/type-cycle-b.ts': "import type { A } from './type-cycle-a.ts'\nexport interface B { a?: A }\n",
    })
    const report = JSON.parse(
      await output(process.execPath, [join(BIN, 'biome'), 'lint', '--reporter=json', '.'], dir),
    ) as { diagnostics: Array<{ category: string; location: { path: string } }> }
    for (const d of report.diagnostics) {
      const rule = d.category.split('/').at(-1) as string
      found.set(d.location.path, [...(found.get(d.location.path) ?? []), rule])
    }
  })

  it('refuses Node built-ins in shared/, worker/core/, the browser worker and web/', () => {
    for (const file of [
      'shared/node-fs.ts',
      'shared/bare-fs.ts',
      'worker/core/node-path.ts',
      'worker/browser/node-os.ts',
      'web/node-os.ts',
      'relay/edge/node-fs.ts',
    ]) {
      expect(found.get(file) ?? [], file).toContain('noNodejsModules')
    }
  })

  it('allows Node built-ins in relay/ and the Node worker', () => {
    for (const file of ['relay/node-fs.ts', 'worker/node/node-os.ts', 'worker/compute/node-compute.ts']) {
      expect(found.get(file), file).toBeUndefined()
    }
  })

  it('refuses relay/ from shared/, worker/ and web/, and worker/ from shared/', () => {
    for (const file of [
      'shared/uses-relay.ts',
      'worker/core/uses-relay.ts',
      'web/uses-relay.ts',
      'shared/uses-worker.ts',
    ]) {
      expect(found.get(file), file).toEqual(['noRestrictedImports'])
    }
    expect(found.get('tests/uses-relay.ts')).toBeUndefined()
  })

  it('keeps the edge Worker (relay/edge/) to its own folder and shared/', () => {
    expect(found.get('relay/edge/uses-relay.ts')).toEqual(['noRestrictedImports'])
    expect(found.get('relay/edge/uses-shared.ts')).toBeUndefined()
  })

  it('keeps colocated relay tests to their module: no whole relay (that is for tests/)', () => {
    expect(found.get('relay/store/whole-relay.test.ts')).toEqual(['noRestrictedImports'])
    expect(found.get('relay/store/components.test.ts')).toEqual(['noRestrictedImports'])
    expect(found.get('relay/store/one-module.test.ts')).toBeUndefined()
  })

  it('refuses import cycles anywhere, type-only ones included', () => {
    for (const file of [
      'relay/cycle-a.ts',
      'relay/cycle-b.ts',
      'shared/type-cycle-a.ts',
      'shared/type-cycle-b.ts',
    ]) {
      expect(found.get(file), file).toEqual(['noImportCycles'])
    }
  })
})

describe('per-runtime TypeScript settings', () => {
  const dir = join(temp, 'types')
  /** Probe code naming one global of each runtime; each runtime must know exactly its own. */
  const probe = [
    'export const node = typeof process',
    'export const dom = typeof document',
    'export const webWorker = typeof importScripts',
    'export const web = new TextEncoder().encode(btoa("x"))',
    'export const wasm = typeof WebAssembly.Memory',
  ].join('\n')

  /** The globals tsc cannot find when `probe` is checked with `project`'s settings. */
  async function unknownNames(project: string, extra: string[] = []): Promise<string[]> {
    const name = project.replaceAll('/', '-')
    write(dir, {
      [`${name}/probe.ts`]: probe,
      [`${name}/tsconfig.json`]: JSON.stringify({
        extends: join(ROOT, project, 'tsconfig.json'),
        compilerOptions: { typeRoots: [join(ROOT, 'node_modules', '@types')] },
        files: ['probe.ts', ...extra.map((f) => join(ROOT, f))],
        include: [],
      }),
    })
    const out = await output(
      process.execPath,
      [join(BIN, 'tsc'), '-p', join(dir, name), '--pretty', 'false'],
      ROOT,
    )
    return [...out.matchAll(/Cannot find name '(\w+)'/g)].map((m) => m[1] as string).sort()
  }

  it('gives shared/ only the web-standard globals (no Node, DOM or worker ones)', async () => {
    const names = await unknownNames('shared', ['shared/web-globals.d.ts', 'shared/wasm-globals.d.ts'])
    expect(names).toEqual(['document', 'importScripts', 'process'])
  })

  it('gives the browser worker and the edge WebWorker types, the pages DOM types, the relay Node types', async () => {
    const [worker, web, relay, edge] = await Promise.all([
      unknownNames('worker'),
      unknownNames('web'),
      unknownNames('relay', ['shared/wasm-globals.d.ts']),
      unknownNames('relay/edge'),
    ])
    expect(worker).toEqual(['document', 'process'])
    expect(edge, 'the edge Worker: web-standard, no Node').toEqual(['document', 'process'])
    expect(web).toEqual(['importScripts', 'process'])
    expect(relay).toEqual(['document', 'importScripts'])
  })

  it('checks every TypeScript file of the repository under some runtime', async () => {
    const projects = ['.', 'shared', 'worker', 'worker/node', 'web', 'relay', 'relay/edge', 'tests']
    const listed = await Promise.all(
      projects.map((p) => output(process.execPath, [join(BIN, 'tsc'), '-p', p, '--listFilesOnly'], ROOT)),
    )
    const checked = new Set(listed.flatMap((text) => text.split('\n').map((f) => relative(ROOT, f.trim()))))
    expect(sourceFiles().filter((f) => !checked.has(f))).toEqual([])
  })
})

/** The repository's TypeScript files, relative to the root. */
function sourceFiles(): string[] {
  return readdirSync(ROOT, { recursive: true, encoding: 'utf8' })
    .filter((f) => /\.tsx?$/.test(f) && !/(^|\/)(node_modules|dist|\.mcpp)\//.test(f))
    .sort()
}

describe('barrels', () => {
  it('an index.ts that re-exports is imported from outside its folder; others only describe it', () => {
    const files = sourceFiles()
    const imported = new Set<string>()
    for (const file of files) {
      const text = readFileSync(join(ROOT, file), 'utf8')
      for (const m of text.matchAll(/from '(\.[^']+)'/g)) {
        const target = relative(ROOT, resolve(ROOT, dirname(file), m[1] as string))
        if (dirname(target) !== dirname(file)) imported.add(target)
      }
    }
    const unused = files
      .filter((f) => f.endsWith('/index.ts'))
      .filter((f) => /^export\b[^=(]*?\bfrom '/m.test(readFileSync(join(ROOT, f), 'utf8')))
      .filter((f) => !imported.has(f))
    expect(unused).toEqual([])
  })
})

describe('dependencies', () => {
  /** Packages used as commands, types or the pinned runtime rather than imported. */
  const NOT_IMPORTED = new Set(['@biomejs/biome', 'typescript', '@types/node', '@types/ws', 'node'])

  it('every package in package.json is imported somewhere (or is a command or types)', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'))
    const names = [...Object.keys(pkg.dependencies), ...Object.keys(pkg.devDependencies)]
    const sources = sourceFiles().map((f) => readFileSync(join(ROOT, f), 'utf8'))
    // Static imports, dynamic import(), require(), createRequire(…)() and resolve(), with or without a subpath.
    const used = (name: string) => {
      const quoted = name.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')
      const pattern = new RegExp(`(from |import\\(|require\\(|\\)\\(|resolve\\()\\s*'${quoted}(/[^']*)?'`)
      return sources.some((text) => pattern.test(text))
    }
    expect(names.filter((name) => !NOT_IMPORTED.has(name) && !used(name))).toEqual([])
  })
})

/** Built, so this file does not name itself. */
const V1_IMPORT = `from '${'@modelcontextprotocol'}/sdk`

describe('the MCP SDK', () => {
  it('is the v2 packages everywhere: the v1 sdk is only the conformance suite’s own dependency', () => {
    const v1 = sourceFiles().filter((f) => readFileSync(join(ROOT, f), 'utf8').includes(V1_IMPORT))
    expect(v1).toEqual([])
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'))
    expect({ ...pkg.dependencies, ...pkg.devDependencies }).not.toHaveProperty('@modelcontextprotocol/sdk')
  })
})
