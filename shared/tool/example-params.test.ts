import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { createComponents } from '../../relay/components.ts'
import { configSchema } from '../../relay/config/schema.ts'
import { createLogger } from '../../relay/log.ts'
import { exampleParams } from './example-params.ts'

const dataDir = mkdtempSync(join(tmpdir(), 'mcpp-examples-'))
const components = createComponents(configSchema.parse({ dataDir, logLevel: 'silent' }), {
  log: createLogger('silent'),
})
afterAll(async () => {
  await components.stop()
  rmSync(dataDir, { recursive: true, force: true })
})

describe('tool examples', () => {
  it('every tool has an example its own input schema accepts', () => {
    const refused = components.registry
      .all()
      .map((tool) => ({ tool: tool.name, parsed: tool.input.safeParse(exampleParams(tool)) }))
      .filter((r) => !r.parsed.success)
      .map(
        (r) =>
          `${r.tool}: ${JSON.stringify(r.parsed.error?.issues.map((i) => `${i.path.join('.')} ${i.message}`))}`,
      )
    expect(refused).toEqual([])
  })
})
