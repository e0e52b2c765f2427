/**
 * The relay side of the operator dashboard (issue 13): one push channel of snapshots
 * (`GET /api/events`) and one call endpoint (`POST /api/call`) that runs a tool the
 * way MCP `tools_dispatch` does. The HTTP routes live in relay/http/dashboard-routes.ts.
 */
export { type CallAnswer, runDashboardCall } from './api-call.ts'
export { type Access, accessFor, isLoopbackRequest } from './dashboard-access.ts'
export { buildSnapshot, type DashboardSnapshot } from './snapshot.ts'
export { SnapshotStream } from './snapshot-stream.ts'
