import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vite'

const web = (path: string) => fileURLToPath(new URL(`./web/${path}`, import.meta.url))

/**
 * The pages (dashboard at /, contribute at /contribute) build into dist/web, which
 * the relay serves. Workers are ES modules so the task worker can start nested
 * compute workers.
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
  worker: { format: 'es' },
})
