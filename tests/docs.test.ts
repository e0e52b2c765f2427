import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { renderToolDocs } from '../relay/docs/render-tool-docs.ts'
import type { RunningRelay } from '../relay/relay.ts'
import { exampleParams } from '../shared/tool/example-params.ts'
import { startTestRelay } from './helpers.ts'

let relay: RunningRelay
beforeAll(async () => {
  relay = await startTestRelay()
})
afterAll(() => relay.close())

describe('tool reference', () => {
  it('is up to date with the registry (run npm run docs)', () => {
    const committed = readFileSync(join(import.meta.dirname, '..', 'docs', 'tools.md'), 'utf8')
    expect(committed).toBe(renderToolDocs(relay.components.registry))
    for (const tool of relay.components.registry.all()) expect(committed).toContain(`### \`${tool.name}\``)
  })
})

describe('tool examples', () => {
  it('every tool has an example its own input schema accepts', () => {
    const refused = relay.components.registry
      .all()
      .map((tool) => ({ tool: tool.name, parsed: tool.input.safeParse(exampleParams(tool)) }))
      .filter((r) => !r.parsed.success)
      .map((r) => `${r.tool}: ${r.parsed.error?.issues.map((i) => `${i.path.join('.')} ${i.message}`)}`)
    expect(refused).toEqual([])
  })
})
