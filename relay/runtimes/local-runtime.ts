import { NotAcceptedError } from '../../shared/errors.ts'
import type { RuntimeBackend } from './runtime-backend.ts'

/** Runs a tool's `local` handler in the relay process. */
export function localRuntime(): RuntimeBackend {
  const status = { available: true }
  return {
    id: 'local',
    status: () => status,
    execute: async (tool, input, ctx) => {
      const handler = tool.handlers.local
      if (!handler) throw new NotAcceptedError(`${tool.name} has no local implementation`)
      return handler(input, ctx)
    },
  }
}
