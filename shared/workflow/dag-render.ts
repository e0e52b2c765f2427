import type { CriticalPath, StepGraph } from './dag.ts'
import type { StepSpec, StepState } from './types.ts'

/**
 * The DAG as `p2p_workflow_get_dag` returns it: JSON, Graphviz DOT and Mermaid, each
 * step coloured by its state and the critical path marked. Step ids are restricted,
 * but kinds and tool names are any text up to 64 characters, so every label is escaped
 * for its target: DOT gets quoted strings with `\` and `"` escaped; Mermaid gets
 * generated node ids (`s0`, `s1`, …: a step named `end` or `graph` would otherwise
 * break the chart) and labels where everything but letters, digits and `_ . -` space
 * is a `#code;` entity.
 */

export interface DagNode {
  id: string
  type: StepSpec['type']
  /** What it runs: `task echo`, `tool text_hash`, `map over chunk → task embed`. */
  label: string
  state: StepState
  critical: boolean
}

export interface DagEdge {
  from: string
  to: string
  critical: boolean
}

export interface DagView {
  nodes: DagNode[]
  edges: DagEdge[]
  criticalPath: CriticalPath
}

const STATE_COLOURS: Record<StepState, { fill: string; stroke: string }> = {
  pending: { fill: '#eeeeee', stroke: '#757575' },
  running: { fill: '#90caf9', stroke: '#1565c0' },
  succeeded: { fill: '#a5d6a7', stroke: '#2e7d32' },
  failed: { fill: '#ef9a9a', stroke: '#c62828' },
  cancelled: { fill: '#ffe082', stroke: '#ff8f00' },
  skipped: { fill: '#fafafa', stroke: '#bdbdbd' },
}
const CRITICAL_COLOUR = '#d32f2f'

function runs(step: StepSpec): string {
  if (step.type === 'task') return `task ${step.kind}`
  if (step.type === 'tool') return `tool ${step.tool}`
  const body = step.do.type === 'task' ? `task ${step.do.kind}` : `tool ${step.do.tool}`
  return `map over ${step.over.$ref} → ${body}`
}

/** The JSON form; a step with no state yet is `pending`. */
export function toJson(
  steps: readonly StepSpec[],
  graph: StepGraph,
  states: ReadonlyMap<string, StepState>,
  critical: CriticalPath,
): DagView {
  const onPath = new Set(critical.steps)
  const next = new Map<string, string>()
  critical.steps.forEach((id, i) => {
    const following = critical.steps[i + 1]
    if (following !== undefined) next.set(id, following)
  })
  const nodes = steps.map((step) => ({
    id: step.id,
    type: step.type,
    label: runs(step),
    state: states.get(step.id) ?? 'pending',
    critical: onPath.has(step.id),
  }))
  const edges: DagEdge[] = []
  graph.deps.forEach((deps, to) => {
    const toId = graph.ids[to] as string
    for (const from of deps) {
      const fromId = graph.ids[from] as string
      edges.push({ from: fromId, to: toId, critical: next.get(fromId) === toId })
    }
  })
  return { nodes, edges, criticalPath: critical }
}

/** A DOT quoted string: `"` and `\` escaped, line breaks as `\n`, other controls as spaces. */
export function dotString(text: string): string {
  const escaped = text
    .replaceAll('\\', '\\\\')
    .replaceAll('"', '\\"')
    .replace(/\r\n|\r|\n/g, '\\n')
    .replace(/\p{Cc}/gu, ' ')
  return `"${escaped}"`
}

export function toDot(view: DagView): string {
  const lines = [
    'digraph workflow {',
    '  rankdir=LR;',
    '  node [shape=box, style="rounded,filled", fontname="Helvetica"];',
  ]
  for (const node of view.nodes) {
    const { fill, stroke } = STATE_COLOURS[node.state]
    const label = dotString(`${node.id}\n${node.label}\n${node.state}`)
    const width = node.critical ? ', penwidth=3' : ''
    lines.push(
      `  ${dotString(node.id)} [label=${label}, fillcolor="${fill}", color="${node.critical ? CRITICAL_COLOUR : stroke}"${width}];`,
    )
  }
  for (const edge of view.edges) {
    const style = edge.critical ? ` [color="${CRITICAL_COLOUR}", penwidth=3]` : ''
    lines.push(`  ${dotString(edge.from)} -> ${dotString(edge.to)}${style};`)
  }
  lines.push('}')
  return `${lines.join('\n')}\n`
}

/** Mermaid label text: letters, digits, space and `_ . -` as they are, everything else as `#code;`. */
export function mermaidText(text: string): string {
  let out = ''
  for (const char of text.replace(/\r\n|\r|\n/g, ' ')) {
    out += /[A-Za-z0-9 _.-]/.test(char) ? char : `#${char.codePointAt(0)};`
  }
  return out
}

export function toMermaid(view: DagView): string {
  const nodeId = new Map(view.nodes.map((node, i) => [node.id, `s${i}`]))
  const lines = ['flowchart LR']
  for (const node of view.nodes) {
    const label = [node.id, node.label, node.state].map(mermaidText).join('<br/>')
    lines.push(`  ${nodeId.get(node.id)}["${label}"]:::${node.state}`)
  }
  const criticalEdges: number[] = []
  view.edges.forEach((edge, i) => {
    lines.push(`  ${nodeId.get(edge.from)} --> ${nodeId.get(edge.to)}`)
    if (edge.critical) criticalEdges.push(i)
  })
  for (const [state, { fill, stroke }] of Object.entries(STATE_COLOURS)) {
    lines.push(`  classDef ${state} fill:${fill},stroke:${stroke}`)
  }
  lines.push(`  classDef critical stroke:${CRITICAL_COLOUR},stroke-width:3px`)
  const criticalNodes = view.nodes.filter((n) => n.critical).map((n) => nodeId.get(n.id))
  if (criticalNodes.length > 0) lines.push(`  class ${criticalNodes.join(',')} critical`)
  if (criticalEdges.length > 0) {
    lines.push(`  linkStyle ${criticalEdges.join(',')} stroke:${CRITICAL_COLOUR},stroke-width:3px`)
  }
  return `${lines.join('\n')}\n`
}
