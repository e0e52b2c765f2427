/**
 * `npm run bench [-- --seconds N] [-- --only relay,router,p2p,vector,data,network,forwarding,workflow,edge,tool-search,stores]`: measures MCP++ against
 * baselines taken in the same run and prints one table. Targets are reported as
 * pass/MISS; the run itself only fails if a measurement cannot be taken.
 * `npm run bench -- --soak SECONDS` runs only the soak benchmark (tests/bench/soak).
 */
import { parseArgs } from 'node:util'
import type { BenchSection } from './context.ts'
import { dataToolsBench } from './sections/data-tools.ts'
import { edgeBench } from './sections/edge.ts'
import { forwardingBench } from './sections/forwarding.ts'
import { networkBench } from './sections/network.ts'
import { p2pBench } from './sections/p2p.ts'
import { relayHttp } from './sections/relay-http.ts'
import { routerDecision } from './sections/router-decision.ts'
import { storesBench } from './sections/stores.ts'
import { toolSearchBench } from './sections/tool-search.ts'
import { vectorSearchBench } from './sections/vector-search.ts'
import { workflowBench } from './sections/workflow.ts'
import { SOAK_ARGS, soakOptions } from './soak/options.ts'
import { runSoak } from './soak/soak.ts'
import { type Row, renderTable, verdict } from './table.ts'

const SECTIONS: readonly BenchSection[] = [
  routerDecision,
  relayHttp,
  p2pBench,
  vectorSearchBench,
  dataToolsBench,
  networkBench,
  forwardingBench,
  workflowBench,
  edgeBench,
  toolSearchBench,
  storesBench,
]

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '3' },
    only: { type: 'string' },
    ...SOAK_ARGS,
  },
})
const seconds = Number(values.seconds)
if (!(seconds > 0)) throw new Error(`--seconds must be a positive number, got ${values.seconds}`)
const only = values.only?.split(',')
if (values.soak !== undefined && only !== undefined)
  throw new Error('--soak runs the soak alone; leave out --only')
const unknown = only?.filter((name) => !SECTIONS.some((s) => s.name === name)) ?? []
if (unknown.length > 0) {
  throw new Error(
    `unknown section ${unknown.join(', ')}; sections: ${SECTIONS.map((s) => s.name).join(', ')}`,
  )
}

const ctx = { seconds, progress: (message: string) => process.stderr.write(`… ${message}\n`) }
const rows: Row[] = []
const started = performance.now()
if (values.soak !== undefined) rows.push(...(await runSoak(soakOptions(values), ctx)))
else
  for (const section of SECTIONS) {
    if (only !== undefined && !only.includes(section.name)) continue
    rows.push(...(await section.run(ctx)))
  }
process.stdout.write(`\n${renderTable(rows)}\n\n`)
const missed = rows.filter((r) => verdict(r) === 'MISS').length
const targets = rows.filter((r) => r.target !== undefined).length
process.stdout.write(
  `${targets - missed}/${targets} targets met in ${((performance.now() - started) / 1000).toFixed(1)} s\n`,
)
