/** The task kinds every worker runs: echo, sha256, embed and wasm. */
export { base64ToBytes, bytesToBase64 } from './base64.ts'
export { KIND_NAMES, type KindOutcome, runKind } from './run-kind.ts'
export { type KindContext, PermanentTaskError, type TaskKind } from './types.ts'
