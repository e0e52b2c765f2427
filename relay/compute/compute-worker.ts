/**
 * Entry of a stateless compute thread (Piscina): each named export is an operation
 * `ComputePool.run` can call. Nothing here keeps state between tasks.
 */

export { checkpoint } from '../store/checkpoint-worker.ts'
export { auditExport, auditQuery, auditSealStep, auditVerify } from './audit-ops.ts'
export { redact, scan, scanCells } from './security-ops.ts'
export { runTool } from './tool-ops.ts'
