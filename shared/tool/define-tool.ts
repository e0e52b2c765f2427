import type { z } from 'zod'
import { toJsonSchema } from './json-schema.ts'
import { looseSpots } from './strict-input.ts'
import type { Runtime, Tool, ToolHandler, ToolInput, ToolOutput, ToolSpec } from './types.ts'

const NAME = /^[a-z][a-z0-9]*(_[a-z0-9]+)+$/

/**
 * Turns a declaration into a registered-ready tool. Inputs are strict all the way
 * down, so that an unknown parameter is an error that names it, never silently
 * dropped: the top level is made strict here, and a nested object that is not strict
 * (or a map not declared with freeForm) is refused now, when the tool is defined.
 */
export function defineTool<I extends ToolInput, O extends ToolOutput>(spec: ToolSpec<I, O>): Tool {
  if (!NAME.test(spec.name)) throw new Error(`tool name "${spec.name}" must be category_verb style`)
  if (!spec.name.startsWith(`${spec.category}_`)) {
    throw new Error(`tool "${spec.name}" must start with its category "${spec.category}_"`)
  }
  const input = spec.input.strict() as z.ZodObject
  const loose = looseSpots(input)
  if (loose.length > 0) {
    const where = loose.map((s) => `${s.path} ${s.problem}`).join('; ')
    throw new Error(`tool "${spec.name}": input ${where}`)
  }
  if (spec.pure === true && spec.handlers.local === undefined)
    throw new Error(`tool "${spec.name}" is pure but has no local handler`)
  const handlers = spec.pure === true ? { ...spec.handlers, edge: spec.handlers.local } : spec.handlers
  const runtimes = new Set<Runtime>(Object.keys(handlers) as Runtime[])
  if (spec.taskKind !== undefined) runtimes.add('p2p')
  if (runtimes.size === 0) throw new Error(`tool "${spec.name}" has no handler and no task kind`)
  let inputJson: Tool['inputJsonSchema'] | undefined
  let outputJson: Tool['outputJsonSchema'] | undefined
  return {
    name: spec.name,
    category: spec.category,
    description: spec.description,
    input,
    output: spec.output,
    annotations: spec.annotations ?? {},
    runtime: spec.runtime ?? 'local',
    requiresP2P: spec.requiresP2P ?? false,
    timeoutMs: spec.timeoutMs,
    taskKind: spec.taskKind,
    handlers: handlers as Tool['handlers'] & Record<string, ToolHandler>,
    runtimes,
    example: spec.example as Record<string, unknown> | undefined,
    renamed: spec.renamed ?? {},
    get inputJsonSchema() {
      inputJson ??= toJsonSchema(input, 'input')
      return inputJson
    },
    get outputJsonSchema() {
      outputJson ??= toJsonSchema(spec.output, 'output')
      return outputJson
    },
  }
}
