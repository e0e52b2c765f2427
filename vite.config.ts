import { fileURLToPath } from 'node:url'
import { gzipSync } from 'node:zlib'
import { defineConfig, type Plugin, type Rolldown } from 'vite'

const KB = 1024
const web = (path: string) => fileURLToPath(new URL(`./web/${path}`, import.meta.url))

/**
 * The pages (dashboard at /, contribute at /contribute) build into dist/web, which
 * the relay serves. Workers are ES modules so the task worker can start nested
 * compute workers. Each page's first-load JavaScript has a gzip budget (issue 13), and
 * so do the worker scripts the contribute page loads on Start: the build prints the
 * sizes and fails over budget.
 */
export default defineConfig({
  root: web(''),
  base: '/',
  build: {
    outDir: fileURLToPath(new URL('./dist/web', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    rollupOptions: {
      input: { index: web('index.html'), contribute: web('contribute/index.html') },
    },
  },
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  plugins: [
    entryBudget({
      index: { firstLoad: 300 * KB },
      // After Start the contribute page loads its task worker and a compute context:
      // 146.0 KB gzip when this budget was set (133.3 + 12.7), so 150 KB leaves about
      // 4 KB of headroom. It was 179 KB while they loaded full zod; the wire schemas
      // and the task kinds use zod/mini (shared/zod-mini.ts) to stay under.
      contribute: { firstLoad: 150 * KB, started: 150 * KB },
    }),
  ],
  worker: { format: 'es' },
})

interface PageBudget {
  /** The page's entry chunk and the chunks it imports statically, gzipped. */
  firstLoad: number
  /** The worker scripts the page can start (and those they start), gzipped. */
  started?: number
}

/**
 * Prints the gzip size of each page's first-load JavaScript (its entry chunk and the
 * chunks it imports statically; lazy chunks and workers load later) and of the worker
 * scripts it starts, and fails the build when either is over its budget.
 */
function entryBudget(budgets: Record<string, PageBudget>): Plugin {
  return {
    name: 'mcpp-entry-budget',
    apply: 'build',
    generateBundle(_options, bundle) {
      const gzipped = new Map<string, number>()
      const sizeOf = (file: string): number => {
        const known = gzipped.get(file)
        if (known !== undefined) return known
        const out = bundle[file]
        const source = out?.type === 'chunk' ? out.code : out?.type === 'asset' ? out.source : ''
        const size = gzipSync(typeof source === 'string' ? source : Buffer.from(source)).length
        gzipped.set(file, size)
        return size
      }
      const textOf = (file: string): string => {
        const out = bundle[file]
        if (out?.type === 'chunk') return out.code
        if (out?.type === 'asset') return typeof out.source === 'string' ? out.source : ''
        return ''
      }
      // Vite emits worker scripts as assets; a page (or another worker) refers to one
      // by its file name in `new URL(…)`.
      const workers = Object.values(bundle).filter((o) => o.type === 'asset' && o.fileName.endsWith('.js'))
      const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`
      const total = (files: Set<string>) => [...files].reduce((n, f) => n + sizeOf(f), 0)
      const check = (line: string, size: number, budget: number) => {
        if (size > budget) this.error(`${line}: over budget`)
        console.log(line)
      }
      for (const out of Object.values(bundle)) {
        if (out.type !== 'chunk' || !out.isEntry) continue
        const budget = budgets[out.name]
        if (budget === undefined) continue
        const firstLoad = reachable(out.fileName, (f) => chunkImports(bundle[f], false))
        const size = total(firstLoad)
        check(
          `page ${out.name}: first-load JS ${kb(size)} gzip (budget ${kb(budget.firstLoad)}, ${firstLoad.size} chunk(s))`,
          size,
          budget.firstLoad,
        )
        if (budget.started === undefined) continue
        const code = [...reachable(out.fileName, (f) => chunkImports(bundle[f], true))]
        const started = reachable(code, (f) =>
          workers.filter((w) => textOf(f).includes(w.fileName)).map((w) => w.fileName),
        )
        for (const f of code) started.delete(f)
        if (started.size === 0)
          this.error(`page ${out.name}: has a worker budget but starts no worker script`)
        const startedSize = total(started)
        check(
          `page ${out.name}: worker scripts after start ${kb(startedSize)} gzip (budget ${kb(budget.started)}, ${started.size} script(s))`,
          startedSize,
          budget.started,
        )
      }
      for (const out of workers) {
        console.log(`worker script ${out.fileName}: ${kb(sizeOf(out.fileName))} gzip (loaded when started)`)
      }
    },
  }
}

function chunkImports(out: Rolldown.OutputBundle[string] | undefined, lazy: boolean): string[] {
  if (out?.type !== 'chunk') return []
  return lazy ? [...out.imports, ...out.dynamicImports] : out.imports
}

/** `from` and every file reachable from it through `next`. */
function reachable(from: string | string[], next: (file: string) => string[]): Set<string> {
  const files = new Set<string>()
  const visit = (file: string) => {
    if (files.has(file)) return
    files.add(file)
    for (const n of next(file)) visit(n)
  }
  for (const f of typeof from === 'string' ? [from] : from) visit(f)
  return files
}
