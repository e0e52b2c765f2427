/** `npm run docs`: writes docs/tools.md from the registry of a relay built in a temp dir. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createComponents } from '../components.ts'
import { configSchema } from '../config/schema.ts'
import { createLogger } from '../log.ts'
import { renderToolDocs } from './render-tool-docs.ts'

const dataDir = mkdtempSync(join(tmpdir(), 'mcpp-docs-'))
try {
  // Built, never started: the registry is all the reference needs. `stop()` releases
  // what building holds (the data-dir lock, the task store), as for a running relay.
  const components = createComponents(configSchema.parse({ dataDir, logLevel: 'silent' }), {
    log: createLogger('silent'),
  })
  try {
    const out = join(import.meta.dirname, '..', '..', 'docs')
    mkdirSync(out, { recursive: true })
    writeFileSync(join(out, 'tools.md'), renderToolDocs(components.registry))
    process.stdout.write(`wrote docs/tools.md (${components.registry.all().length} tools)\n`)
  } finally {
    await components.stop()
  }
} finally {
  rmSync(dataDir, { recursive: true, force: true })
}
