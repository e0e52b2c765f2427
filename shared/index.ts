/**
 * The runtime-agnostic core shared by the relay, the browser worker and the edge:
 * the tool model and registry, the hierarchical manager, the runtime router, errors,
 * and the pure text tools. Nothing here imports Node built-ins, the DOM or Cloudflare.
 */
export * as constants from './constants.ts'
export { McppError, NotAcceptedError, toMcppError } from './errors.ts'
