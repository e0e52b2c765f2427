import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client'

/** The relay's Prometheus metrics, on a registry of its own (no global state). */
export interface RelayMetrics {
  registry: Registry
  routerDecisions: Counter<'tool' | 'runtime' | 'outcome'>
  toolDuration: Histogram<'tool' | 'runtime'>
  httpRequests: Counter<'method' | 'route' | 'status'>
  httpDuration: Histogram<'method' | 'route'>
  sessionsActive: Gauge
  sessionsOpened: Counter
  sessionsExpired: Counter
}

export function createMetrics(): RelayMetrics {
  const registry = new Registry()
  // The event-loop lag histogram samples on a timer: prom-client's 10 ms woke an idle
  // relay 100 times a second. Every 50 ms still catches each block of 50 ms or more
  // (the longest the relay may hold its loop) and costs a fifth of that.
  collectDefaultMetrics({ register: registry, prefix: 'mcpp_', eventLoopMonitoringPrecision: 50 })
  return {
    registry,
    routerDecisions: new Counter({
      name: 'mcpp_router_decisions_total',
      help: 'Runtime router decisions by tool, runtime and outcome',
      labelNames: ['tool', 'runtime', 'outcome'],
      registers: [registry],
    }),
    toolDuration: new Histogram({
      name: 'mcpp_tool_duration_seconds',
      help: 'Tool call duration by tool and runtime',
      labelNames: ['tool', 'runtime'],
      buckets: [0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30],
      registers: [registry],
    }),
    httpRequests: new Counter({
      name: 'mcpp_http_requests_total',
      help: 'HTTP requests by method, route and status',
      labelNames: ['method', 'route', 'status'],
      registers: [registry],
    }),
    httpDuration: new Histogram({
      name: 'mcpp_http_request_duration_seconds',
      help: 'HTTP time to response headers by method and route',
      labelNames: ['method', 'route'],
      buckets: [0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5],
      registers: [registry],
    }),
    sessionsActive: new Gauge({
      name: 'mcpp_sessions_active',
      help: 'Open MCP sessions',
      registers: [registry],
    }),
    sessionsOpened: new Counter({
      name: 'mcpp_sessions_opened_total',
      help: 'MCP sessions opened',
      registers: [registry],
    }),
    sessionsExpired: new Counter({
      name: 'mcpp_sessions_expired_total',
      help: 'MCP sessions closed for idleness',
      registers: [registry],
    }),
  }
}
