/**
 * The runtime router: pure decisions about where a tool call runs. `decideRoute`
 * (decide.ts) returns a decision from a compiled policy (compile-policy.ts) and an
 * availability snapshot; the relay's executor acts on it.
 */
