import { describe, expect, it } from 'vitest'
import { buildGraph, criticalPath, topoOrder } from './dag.ts'
import { dotString, mermaidText, toDot, toJson, toMermaid } from './dag-render.ts'
import type { StepSpec, StepState } from './types.ts'

// Valid ids (A-Za-z0-9_.-) that are keywords or edge syntax in DOT or Mermaid, and kinds
// and tool names (any text) that try to close a string or a node.
const steps: StepSpec[] = [
  { id: 'end', type: 'task', kind: 'echo"];\n"pwn" -> "x' },
  { id: '--', type: 'tool', tool: 'a"]:::x\nclick s0 call alert()%%', params: { t: { $ref: 'end' } } },
  { id: 'graph', type: 'task', kind: 'back\\slash"', input: { $ref: '--' } },
  { id: '-.-', type: 'map', over: { $ref: 'graph' }, do: { type: 'task', kind: '<b>#35;' } },
]
const graph = buildGraph(steps)
const topo = topoOrder(graph)
if (!topo.ok) throw new Error('cycle')
const critical = criticalPath(graph, topo.order, { measured: new Map(), estimateMs: () => 1 })
const states = new Map<string, StepState>([
  ['end', 'succeeded'],
  ['--', 'failed'],
  ['graph', 'skipped'],
])
const view = toJson(steps, graph, states, critical)

describe('toJson', () => {
  it('lists nodes with their state and edges with the critical path marked', () => {
    expect(view.nodes.map((n) => [n.id, n.state, n.critical])).toEqual([
      ['end', 'succeeded', true],
      ['--', 'failed', true],
      ['graph', 'skipped', true],
      ['-.-', 'pending', true],
    ])
    expect(view.edges).toEqual([
      { from: 'end', to: '--', critical: true },
      { from: '--', to: 'graph', critical: true },
      { from: 'graph', to: '-.-', critical: true },
    ])
    expect(view.nodes[3]?.label).toBe('map over graph → task <b>#35;')
  })
})

describe('toDot', () => {
  const dot = toDot(view)

  it('quotes every id and label so none breaks out of its string', () => {
    expect(dotString('a"b\\c\nd')).toBe('"a\\"b\\\\c\\nd"')
    // Each statement line holds only balanced, escaped strings: strip them and no quote is left.
    for (const line of dot.split('\n')) {
      expect(line.replace(/"(?:[^"\\]|\\.)*"/g, 'S')).not.toContain('"')
    }
    expect(dot.split('\n')).toHaveLength(4 + 4 + 3 + 1)
    expect(dot).toContain(
      '"end" [label="end\\ntask echo\\"];\\n\\"pwn\\" -> \\"x\\nsucceeded", fillcolor="#a5d6a7"',
    )
    expect(dot).not.toContain('"pwn" ->')
  })

  it('colours states and marks the critical path', () => {
    expect(dot).toContain('"--" -> "graph" [color="#d32f2f", penwidth=3];')
    expect(dot).toMatch(/"--" \[label=.*fillcolor="#ef9a9a", color="#d32f2f", penwidth=3\];/)
  })
})

describe('toMermaid', () => {
  const mermaid = toMermaid(view)

  it('uses generated node ids and entity-escaped labels', () => {
    expect(mermaidText('a"b<c>#;%\nz')).toBe('a#34;b#60;c#62;#35;#59;#37; z')
    const nodeLines = mermaid.split('\n').filter((l) => l.includes('["'))
    expect(nodeLines).toHaveLength(4)
    for (const line of nodeLines) {
      expect(line).toMatch(
        /^ {2}s\d+\["[A-Za-z0-9 _.#;<>/-]*"\]:::(pending|running|succeeded|failed|cancelled|skipped)$/,
      )
      // Only our own <br/> may appear raw.
      expect(line.replaceAll('<br/>', '')).not.toMatch(/[<>]/)
    }
    expect(nodeLines[0]).toBe(
      '  s0["end<br/>task echo#34;#93;#59; #34;pwn#34; -#62; #34;x<br/>succeeded"]:::succeeded',
    )
    expect(mermaid).not.toMatch(/^\s*end\b/m)
    expect(mermaid).not.toMatch(/^\s*click/m)
  })

  it('draws the edges, classes and the critical path', () => {
    expect(mermaid).toContain('  s0 --> s1\n  s1 --> s2\n  s2 --> s3\n')
    expect(mermaid).toContain('  classDef failed fill:#ef9a9a,stroke:#c62828\n')
    expect(mermaid).toContain('  class s0,s1,s2,s3 critical\n')
    expect(mermaid).toContain('  linkStyle 0,1,2 stroke:#d32f2f,stroke-width:3px\n')
  })
})
