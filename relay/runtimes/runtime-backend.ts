import type { KindLoad, MemberCapacity, RuntimeStatus } from '../../shared/router/types.ts'
import type { Runtime, Tool, ToolContext } from '../../shared/tool/types.ts'
import type { Verification } from '../../shared/trust/trust-policy.ts'

/** An output with the record of how it was checked (a worker's answer, issue 9). */
export class Verified {
  readonly output: unknown
  readonly verification: Verification
  constructor(output: unknown, verification: Verification) {
    this.output = output
    this.verification = verification
  }
}

/**
 * One place a tool call can run. `execute` throws `NotAcceptedError` only when it
 * refused the call before starting it; the executor may then try a fallback.
 */
export interface RuntimeBackend {
  readonly id: Runtime
  status(): RuntimeStatus & {
    taskKinds?: ReadonlySet<string>
    load?: ReadonlyMap<string, KindLoad>
    members?: readonly MemberCapacity[]
  }
  /** The output, or a `Verified` output when it came from workers. */
  execute(tool: Tool, input: Record<string, unknown>, ctx: ToolContext): Promise<unknown>
}
