import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parser as promql } from '@prometheus-io/lezer-promql'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { readText, readYaml } from './deploy-files.ts'
import { exited, type RelayProcess, spawnRelay } from './relay-process.ts'

const alerts = readYaml('relay/deploy/prometheus/alerts.yml')
const prometheus = readYaml('relay/deploy/prometheus/prometheus.yml')
const dashboard = JSON.parse(readText('relay/deploy/grafana/dashboards/mcpp-relays.json'))
const datasources = readYaml('relay/deploy/grafana/provisioning/datasources/prometheus.yaml')
const provider = readYaml('relay/deploy/grafana/provisioning/dashboards/mcpp.yaml')
const compose = readYaml('compose.yaml')

const rules: any[] = alerts.groups.flatMap((g: any) => g.rules)
const panels: any[] = dashboard.panels
const expressions: { where: string; expr: string }[] = [
  ...rules.map((r) => ({ where: `alert ${r.alert}`, expr: r.expr as string })),
  ...panels.flatMap((p) =>
    p.targets.map((t: any) => ({ where: `panel "${p.title}"`, expr: t.expr as string })),
  ),
]

/** The relay's metric names in the series a Prometheus query can use: a histogram is its three series. */
function seriesNames(exposition: string): Set<string> {
  const names = new Set<string>()
  for (const line of exposition.split('\n')) {
    const [hash, keyword, name, type] = line.split(' ')
    if (hash !== '#' || keyword !== 'TYPE' || name === undefined) continue
    if (type === 'histogram' || type === 'summary') {
      for (const suffix of ['_bucket', '_sum', '_count']) names.add(`${name}${suffix}`)
      if (type === 'summary') names.add(name)
    } else {
      names.add(name)
    }
  }
  return names
}

/** Every `mcpp_*` metric name an expression refers to (label values are in quotes and skipped). */
const referencedNames = (expr: string): string[] =>
  expr.replace(/"[^"]*"/g, '""').match(/\bmcpp_[a-z0-9_]+\b/g) ?? []

/** Unbalanced brackets are the usual way a hand-edited query breaks; Prometheus would refuse the file. */
function balanced(expr: string): boolean {
  const open: string[] = []
  const pairs: Record<string, string> = { ')': '(', ']': '[', '}': '{' }
  for (const ch of expr.replace(/"[^"]*"/g, '""')) {
    if ('([{'.includes(ch)) open.push(ch)
    else if (ch in pairs && open.pop() !== pairs[ch]) return false
  }
  return open.length === 0
}

const dataDir = mkdtempSync(join(tmpdir(), 'mcpp-deploy-metrics-'))
let relay: RelayProcess
let exported: Set<string>

// A relay process as the image runs it: some series (the process guard's) exist only
// in the process entry, not in a relay built inside a test.
beforeAll(async () => {
  relay = await spawnRelay(['--port', '0', '--p2p-port', '0', '--data-dir', dataDir])
  const res = await fetch(`${relay.url}/metrics`)
  expect(res.status).toBe(200)
  exported = seriesNames(await res.text())
})

afterAll(async () => {
  relay?.child.kill('SIGTERM')
  if (relay) await exited(relay.child)
  rmSync(dataDir, { recursive: true, force: true })
})

describe('monitoring files', () => {
  it('use only metric names that a real relay exports on /metrics', () => {
    // The check itself: a name the relay does not export is caught, a histogram's series are not.
    expect(referencedNames('rate(mcpp_no_such_metric_total[5m])').filter((n) => !exported.has(n))).toEqual([
      'mcpp_no_such_metric_total',
    ])
    expect(exported.has('mcpp_tool_duration_seconds_bucket')).toBe(true)
    const missing = expressions.flatMap(({ where, expr }) =>
      referencedNames(expr)
        .filter((name) => !exported.has(name))
        .map((name) => `${where}: ${name}`),
    )
    expect(missing).toEqual([])
    // The key series of issue 15: calls, latency, queue, workers, router decisions, errors.
    const used = new Set(expressions.flatMap(({ expr }) => referencedNames(expr)))
    for (const name of [
      'mcpp_router_decisions_total',
      'mcpp_tool_duration_seconds_bucket',
      'mcpp_tasks_queue_depth',
      'mcpp_workers_connected',
      'mcpp_http_requests_total',
    ])
      expect(used).toContain(name)
  })

  it('have well-formed queries', () => {
    expect(balanced('sum(rate(x[5m])')).toBe(false)
    expect(expressions.filter(({ expr }) => !balanced(expr)).map((e) => e.where)).toEqual([])
  })

  it('parse as PromQL (the grammar Prometheus itself publishes, @prometheus-io/lezer-promql)', () => {
    // Grafana fills its interval variables in before Prometheus sees a query.
    const asSent = (expr: string) => expr.replace(/\$__(rate_interval|interval|range)\b/g, '5m')
    const parses = (expr: string) => {
      let ok = true
      promql.parse(asSent(expr)).iterate({
        enter: (node) => {
          if (node.type.isError) ok = false
        },
      })
      return ok
    }
    expect(parses('sum(rate(mcpp_x_total[5m])) by (tool) > 0')).toBe(true)
    expect(parses('sum(rate(mcpp_x_total[5m]) by')).toBe(false)
    expect(expressions.filter(({ expr }) => !parses(expr)).map((e) => e.where)).toEqual([])
  })

  it('alert on a relay down, errors, a queue growing with no workers and p99 latency, each with severity and summary', () => {
    const names = rules.map((r) => r.alert)
    expect(new Set(names).size).toBe(names.length)
    for (const name of [
      'McppRelayDown',
      'McppToolErrorRate',
      'McppQueueGrowingWithoutWorkers',
      'McppToolLatencyP99High',
    ])
      expect(names).toContain(name)
    for (const rule of rules) {
      expect(['critical', 'warning'], rule.alert).toContain(rule.labels?.severity)
      expect(rule.annotations?.summary, rule.alert).toBeTruthy()
      if (rule.for !== undefined) expect(rule.for, rule.alert).toMatch(/^\d+[smh]$/)
    }
    expect(rules.find((r) => r.alert === 'McppRelayDown').expr).toContain('job="mcpp-relay"')
  })

  it('scrape both compose relays and load the rules from where compose mounts them', () => {
    const job = prometheus.scrape_configs.find((j: any) => j.job_name === 'mcpp-relay')
    expect(job.metrics_path).toBe('/metrics')
    expect(job.static_configs[0].targets).toEqual(['relay-a:8000', 'relay-b:8000'])
    for (const target of job.static_configs[0].targets)
      expect(compose.services).toHaveProperty(target.split(':')[0])
    const mount = compose.services.prometheus.volumes.find((v: string) =>
      v.startsWith('./relay/deploy/prometheus:'),
    )
    expect(mount).toBe('./relay/deploy/prometheus:/etc/prometheus:ro')
    expect(prometheus.rule_files).toEqual(['/etc/prometheus/alerts.yml'])
  })

  it('give Grafana a dashboard whose panels all read the provisioned data source', () => {
    const [source] = datasources.datasources
    expect(source).toMatchObject({ type: 'prometheus', url: 'http://prometheus:9090' })
    expect(compose.services.grafana.volumes).toContain(
      `./relay/deploy/grafana/dashboards:${provider.providers[0].options.path}:ro`,
    )
    expect(dashboard.uid).toBe('mcpp-relays')
    const ids = panels.map((p) => p.id)
    expect(new Set(ids).size).toBe(ids.length)
    for (const panel of panels) {
      expect(panel.datasource, panel.title).toEqual({ type: 'prometheus', uid: source.uid })
      expect(panel.targets.length, panel.title).toBeGreaterThan(0)
      for (const target of panel.targets) expect(target.datasource.uid, panel.title).toBe(source.uid)
    }
  })
})
