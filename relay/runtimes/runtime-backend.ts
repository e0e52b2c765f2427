import type { RuntimeStatus } from '../../shared/router/types.ts'
import type { Runtime, Tool, ToolContext } from '../../shared/tool/types.ts'

/**
 * One place a tool call can run. `execute` throws `NotAcceptedError` only when it
 * refused the call before starting it; the executor may then try a fallback.
 */
export interface RuntimeBackend {
  readonly id: Runtime
  status(): RuntimeStatus & { taskKinds?: ReadonlySet<string> }
  execute(tool: Tool, input: Record<string, unknown>, ctx: ToolContext): Promise<unknown>
}
