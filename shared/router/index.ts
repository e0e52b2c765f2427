/** The runtime router: pure decisions about where a tool call runs. */
export { type CompiledPolicy, compilePolicy, globToRegExp } from './compile-policy.ts'
export { decideRoute } from './decide.ts'
export type {
  AvailabilitySnapshot,
  FallbackPolicy,
  RoutableTool,
  RouteDecision,
  RouteRule,
  RouterPolicy,
  RuntimeStatus,
} from './types.ts'
