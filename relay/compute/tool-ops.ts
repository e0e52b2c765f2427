import type { MessagePort } from 'node:worker_threads'
import { McppError } from '../../shared/errors.ts'
import type { Tool, ToolContext } from '../../shared/tool/types.ts'
import { textCategory } from '../../shared/tools/text/index.ts'
import { workerOp } from './worker-reply.ts'

/** The shared tools a compute thread can run: pure ones, identical in every runtime. */
const TOOLS = new Map<string, Tool>(textCategory.tools.map((t) => [t.name, t]))

export interface RunToolArg {
  name: string
  /** Already validated by the relay (defaults applied). */
  input: Record<string, unknown>
  port: MessagePort
}

export interface ProgressMessage {
  progress: number
  total?: number | undefined
  message?: string | undefined
}

/** Runs a shared tool's local handler on this thread; cancellation terminates the thread. */
export const runTool = workerOp(async ({ name, input, port }: RunToolArg) => {
  const handler = TOOLS.get(name)?.handlers.local
  if (!handler) throw new McppError('INTERNAL', `compute threads cannot run ${name}`)
  const ctx: ToolContext = {
    signal: new AbortController().signal,
    progress: (progress, total, message) => port.postMessage({ progress, total, message }),
    log: () => {},
    caller: {},
  }
  try {
    return await handler(input, ctx)
  } finally {
    port.close()
  }
})
