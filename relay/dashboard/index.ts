/**
 * The relay side of the operator dashboard (issue 13): the snapshot of queue, workers,
 * relays, workflows and call metrics (snapshot.ts), its push channel of Server-Sent
 * Events (snapshot-stream.ts), the call endpoint that runs a tool the way MCP
 * `tools_dispatch` does (api-call.ts), who may read or act (dashboard-access.ts), and
 * the throughput and busiest workers this relay adds to its announcements so that
 * members' dashboards show them (activity-report.ts).
 * The HTTP routes are relay/http/dashboard-routes.ts.
 */
