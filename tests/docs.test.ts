import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { renderToolDocs } from '../relay/docs/render-tool-docs.ts'
import { startTestRelay } from './helpers.ts'

describe('tool reference', () => {
  it('is up to date with the registry (run npm run docs)', async () => {
    const relay = await startTestRelay()
    try {
      const committed = readFileSync(join(import.meta.dirname, '..', 'docs', 'tools.md'), 'utf8')
      expect(committed).toBe(renderToolDocs(relay.components.registry))
      for (const tool of relay.components.registry.all()) expect(committed).toContain(`### \`${tool.name}\``)
    } finally {
      await relay.close()
    }
  })
})
