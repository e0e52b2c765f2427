import { describe } from 'vitest'
import { createFixtureObjects, writeFixtureFiles } from './fixtures.ts'
import { fuzzSuite } from './fuzz-suite.ts'
import type { JsonSchema } from './schema-params.ts'
import {
  attemptToolCall,
  type ToolCall,
  type ToolInfo,
  toolCallArbitrary,
  toolExamples,
} from './tool-calls.ts'

describe('every tool through tools_dispatch under fuzz', () => {
  fuzzSuite<ToolCall>('tools', import.meta.filename, 'params a client sends to any tool', async (relay) => {
    writeFixtureFiles(relay.filesRoot)
    const { known, problems } = await createFixtureObjects(relay)
    if (problems.length > 0)
      console.warn(`fuzz fixtures not created (less coverage):\n${problems.join('\n')}`)
    const catalogue = (await (
      await fetch(`${relay.url}/api/tools`, { headers: relay.authorization })
    ).json()) as {
      categories: Array<{ tools: Array<{ name: string; inputSchema: JsonSchema }> }>
    }
    const tools: ToolInfo[] = catalogue.categories.flatMap((c) => c.tools)
    return {
      name: 'tools',
      arbitrary: toolCallArbitrary(tools, known, toolExamples()),
      attempt: (call) => attemptToolCall(relay, call),
    }
  })
})
