/**
 * The relay side of the operator dashboard (issue 13): the snapshot of queue, workers,
 * relays, workflows and call metrics (snapshot.ts), its push channel of Server-Sent
 * Events (snapshot-stream.ts), the call endpoint that runs a tool the way MCP
 * `tools_dispatch` does (api-call.ts), and who may read or act (dashboard-access.ts).
 * The HTTP routes are relay/http/dashboard-routes.ts.
 */
