import { NotAcceptedError } from '../../shared/errors.ts'
import type { Runtime } from '../../shared/tool/types.ts'
import type { RuntimeBackend } from './runtime-backend.ts'

/** A runtime this relay does not have (yet); it says why, and refuses every call. */
export function unavailableRuntime(id: Runtime, reason: string): RuntimeBackend {
  const status = { available: false, reason, taskKinds: new Set<string>() }
  return {
    id,
    status: () => status,
    execute: async () => {
      throw new NotAcceptedError(`${id} runtime unavailable: ${reason}`)
    },
  }
}
