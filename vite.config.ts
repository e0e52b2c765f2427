import { fileURLToPath } from 'node:url'
import { gzipSync } from 'node:zlib'
import { defineConfig, type Plugin } from 'vite'

const web = (path: string) => fileURLToPath(new URL(`./web/${path}`, import.meta.url))

/**
 * The pages (dashboard at /, contribute at /contribute) build into dist/web, which
 * the relay serves. Workers are ES modules so the task worker can start nested
 * compute workers. Each page's first-load JavaScript has a gzip budget (issue 13):
 * the build prints the sizes and fails over budget.
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
  plugins: [entryBudget({ index: 300 * 1024, contribute: 150 * 1024 })],
  worker: { format: 'es' },
})

/**
 * Prints the gzip size of each page's first-load JavaScript (its entry chunk and the
 * chunks it imports statically; lazy chunks and workers load later) and fails the
 * build when a page is over its budget.
 */
function entryBudget(budgets: Record<string, number>): Plugin {
  return {
    name: 'mcpp-entry-budget',
    apply: 'build',
    generateBundle(_options, bundle) {
      const gzipped = new Map<string, number>()
      const sizeOf = (file: string): number => {
        const known = gzipped.get(file)
        if (known !== undefined) return known
        const out = bundle[file]
        const size = out?.type === 'chunk' ? gzipSync(out.code).length : 0
        gzipped.set(file, size)
        return size
      }
      for (const out of Object.values(bundle)) {
        if (out.type !== 'chunk' || !out.isEntry) continue
        const budget = budgets[out.name]
        if (budget === undefined) continue
        const files = new Set<string>()
        const visit = (file: string) => {
          if (files.has(file)) return
          files.add(file)
          const chunk = bundle[file]
          if (chunk?.type === 'chunk') for (const dep of chunk.imports) visit(dep)
        }
        visit(out.fileName)
        const total = [...files].reduce((n, f) => n + sizeOf(f), 0)
        const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`
        const line = `page ${out.name}: first-load JS ${kb(total)} gzip (budget ${kb(budget)}, ${files.size} chunk(s))`
        if (total > budget) this.error(`${line}: over budget`)
        console.log(line)
      }
      // Worker scripts are emitted as assets and load only when a page starts them (the
      // contribute page's task worker and compute contexts, after Start): shown, not budgeted.
      for (const out of Object.values(bundle)) {
        if (out.type !== 'asset' || !out.fileName.endsWith('.js')) continue
        const size = gzipSync(typeof out.source === 'string' ? out.source : Buffer.from(out.source)).length
        console.log(
          `worker script ${out.fileName}: ${(size / 1024).toFixed(1)} KB gzip (loaded when started)`,
        )
      }
    },
  }
}
