/**
 * The task kinds every worker runs (echo, sha256, embed, wasm), one file each, and
 * `runKind` (run-kind.ts), which validates a task's input and maps failures to task
 * error codes.
 */
