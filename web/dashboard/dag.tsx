import { useEffect, useState } from 'preact/hooks'
import type { DagEdge, DagNode } from '../../shared/workflow/dag-render.ts'

export interface DagData {
  nodes: DagNode[]
  edges: DagEdge[]
  criticalPath: { steps: string[]; totalMs: number }
}

interface Laid {
  width: number
  height: number
  nodes: (DagNode & { x: number; y: number; w: number; h: number })[]
  edges: (DagEdge & { points: { x: number; y: number }[] })[]
}

const NODE_H = 44
const CHAR_W = 7

/** Lays the graph out with dagre, loaded on first use so the dashboard's first load stays small. */
async function layOut(dag: DagData): Promise<Laid> {
  const dagre = await import('@dagrejs/dagre')
  const g = new dagre.graphlib.Graph()
  g.setGraph({ rankdir: 'LR', nodesep: 24, ranksep: 48, marginx: 8, marginy: 8 })
  g.setDefaultEdgeLabel(() => ({}))
  for (const n of dag.nodes) {
    g.setNode(n.id, { width: Math.max(n.id.length, n.label.length) * CHAR_W + 24, height: NODE_H })
  }
  for (const e of dag.edges) g.setEdge(e.from, e.to)
  dagre.layout(g)
  const graph = g.graph() as { width?: number; height?: number }
  return {
    width: graph.width ?? 0,
    height: graph.height ?? 0,
    nodes: dag.nodes.map((n) => {
      const at = g.node(n.id) as { x: number; y: number; width: number; height: number }
      return { ...n, x: at.x, y: at.y, w: at.width, h: at.height }
    }),
    edges: dag.edges.map((e) => ({
      ...e,
      points: (
        (g.edge(e.from, e.to) as { points?: { x: number; y: number }[] } | undefined)?.points ?? []
      ).slice(),
    })),
  }
}

/** The workflow's DAG as SVG: steps coloured by state, the critical path drawn heavier. */
export function Dag({ dag }: { dag: DagData }) {
  const shape = JSON.stringify([dag.nodes.map((n) => n.id), dag.edges.map((e) => [e.from, e.to])])
  const [layout, setLayout] = useState<{ shape: string; laid: Laid } | null>(null)
  useEffect(() => {
    // Only a new shape is laid out again; a change of step states just recolours.
    if (layout?.shape === shape) return
    let current = true
    void layOut(dag).then((laid) => {
      if (current) setLayout({ shape, laid })
    })
    return () => {
      current = false
    }
  }, [shape])
  if (layout === null) return <p role="status">Laying out the graph…</p>
  const now = new Map(dag.nodes.map((n) => [n.id, n]))
  const critical = new Set(dag.edges.filter((e) => e.critical).map((e) => `${e.from}>${e.to}`))
  const laid = {
    ...layout.laid,
    nodes: layout.laid.nodes.map((n) => ({ ...n, ...(now.get(n.id) ?? {}) })),
    edges: layout.laid.edges.map((e) => ({ ...e, critical: critical.has(`${e.from}>${e.to}`) })),
  }
  const summary = `Workflow graph: ${dag.nodes.length} steps; critical path ${dag.criticalPath.steps.join(' → ')}`
  return (
    <figure class="dag">
      <svg
        role="img"
        aria-label={summary}
        width={laid.width}
        height={laid.height}
        viewBox={`0 0 ${laid.width} ${laid.height}`}
      >
        <defs>
          <marker
            id="arrow"
            viewBox="0 0 10 10"
            refX="9"
            refY="5"
            markerWidth="6"
            markerHeight="6"
            orient="auto"
          >
            <path d="M0,0 L10,5 L0,10 z" class="arrow" />
          </marker>
        </defs>
        {laid.edges.map((e) => (
          <polyline
            key={`${e.from}>${e.to}`}
            class={e.critical ? 'edge critical' : 'edge'}
            points={e.points.map((p) => `${p.x},${p.y}`).join(' ')}
            marker-end="url(#arrow)"
          />
        ))}
        {laid.nodes.map((n) => (
          <g
            key={n.id}
            class={`step ${n.state}${n.critical ? ' critical' : ''}`}
            data-step={n.id}
            data-state={n.state}
          >
            <rect x={n.x - n.w / 2} y={n.y - n.h / 2} width={n.w} height={n.h} rx={6} />
            <text x={n.x} y={n.y - 5} text-anchor="middle">
              {n.id}
            </text>
            <text x={n.x} y={n.y + 12} text-anchor="middle" class="sub">
              {n.label}
            </text>
          </g>
        ))}
      </svg>
      <figcaption>
        Critical path (heavy outline): {dag.criticalPath.steps.join(' → ') || '—'}, about{' '}
        {Math.round(dag.criticalPath.totalMs)} ms.
      </figcaption>
      <ul class="legend" aria-label="Steps and their states">
        {dag.nodes.map((n) => (
          <li key={n.id} data-step={n.id} data-state={n.state}>
            {n.id}: {n.state}
            {n.critical ? ' (critical path)' : ''}
          </li>
        ))}
      </ul>
    </figure>
  )
}
