/** Defaults shared by every runtime. Applied with `??` where options are read. */
export const PROJECT_NAME = 'mcpp'
export const DEFAULT_EMBEDDING_DIMENSIONS = 384
export const MAX_EMBEDDING_DIMENSIONS = 4096
export const DEFAULT_SEARCH_LIMIT = 10
export const MAX_SEARCH_LIMIT = 100
export const MAX_SUGGESTIONS = 3
/** Result-level `_meta` key under which a failed call carries its error code. */
export const ERROR_META_KEY = 'mcpp/error'
/** Default router rules: these name patterns need the P2P subsystem (README, The runtime router). */
export const DEFAULT_ROUTE_RULES = [
  { match: 'p2p_*', requiresP2P: true },
  { match: '*workflow*', requiresP2P: true },
  { match: '*taskqueue*', requiresP2P: true },
] as const
