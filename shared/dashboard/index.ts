/**
 * What the operator dashboard and the relay agree on (issue 13): the snapshot the relay
 * pushes over `GET /api/events` (snapshot-types.ts), and the rates and latency
 * percentiles the page derives from its cumulative counters (rates.ts), and the
 * last-minute rates a relay announces to its members (throughput-window.ts).
 */
