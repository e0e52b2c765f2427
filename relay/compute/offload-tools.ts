import { MessageChannel } from 'node:worker_threads'
import type { Tool, ToolContext, ToolHandler } from '../../shared/tool/types.ts'
import type { ComputePool } from './compute-pool.ts'
import type { ProgressMessage, RunToolArg } from './tool-ops.ts'

/**
 * The same tools with their `local` handler run on a compute thread: the thread runs
 * the handler named `as` (a shared tool it imports itself), and the progress the
 * handler reports is forwarded to the caller.
 */
export function offloadTools(
  tools: readonly Tool[],
  pool: ComputePool,
  as: Record<string, string> = {},
): Tool[] {
  return tools.map((tool) => {
    const local: ToolHandler = (input, ctx) => runOnPool(pool, as[tool.name] ?? tool.name, input, ctx)
    const copy = Object.create(
      Object.getPrototypeOf(tool),
      Object.getOwnPropertyDescriptors(tool),
    ) as Tool & { handlers: Tool['handlers'] }
    Object.defineProperty(copy, 'handlers', { value: { ...tool.handlers, local }, enumerable: true })
    return copy
  })
}

async function runOnPool(
  pool: ComputePool,
  name: string,
  input: Record<string, unknown>,
  ctx: ToolContext,
): Promise<Record<string, unknown>> {
  const { port1, port2 } = new MessageChannel()
  let settled = false
  port1.on('message', (m: ProgressMessage) => {
    if (!settled) ctx.progress(m.progress, m.total, m.message)
  })
  try {
    const arg: RunToolArg = { name, input, port: port2 }
    return await pool.run<Record<string, unknown>>('runTool', arg, {
      signal: ctx.signal,
      transferList: [port2],
    })
  } finally {
    settled = true
    port1.close()
  }
}
