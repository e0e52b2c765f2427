import { useEffect, useRef } from 'preact/hooks'
import uPlot from 'uplot'
import 'uplot/dist/uPlot.min.css'
import type { ChartPoint } from '../../shared/dashboard/rates.ts'
import { MAX_POINTS } from './live.ts'

type Key = Exclude<keyof ChartPoint, 't'>

export interface ChartProps {
  title: string
  points: ChartPoint[]
  lines: { key: Key; label: string; colour: string }[]
  format: (value: number) => string
}

const HEIGHT = 140
/** The x axis spans what the feed keeps: MAX_POINTS snapshots, one a second. */
const WINDOW_SECONDS = MAX_POINTS

/**
 * A small time-series chart (uPlot on a canvas). The caption carries the latest
 * values in words, so the chart is not the only place the numbers are.
 */
export function Chart({ title, points, lines, format }: ChartProps) {
  const box = useRef<HTMLDivElement>(null)
  const plot = useRef<uPlot | null>(null)
  const data = (): uPlot.AlignedData => [
    points.map((p) => p.t),
    ...lines.map((l) => points.map((p) => p[l.key])),
  ]
  const latest = useRef(data)
  latest.current = data
  useEffect(() => {
    const el = box.current
    if (el === null) return
    // The canvas takes its colours when made, so a change of colour scheme makes it again.
    const make = () => {
      plot.current?.destroy()
      const ink = getComputedStyle(el).color
      const axis = { stroke: ink, grid: { stroke: 'rgba(128,128,128,0.25)' }, ticks: { stroke: ink } }
      plot.current = new uPlot(
        {
          width: Math.max(240, el.clientWidth),
          height: HEIGHT,
          legend: { show: false },
          cursor: { show: false },
          // A fixed window ending at the latest point, so a new page does not stretch two points across the width.
          scales: {
            x: { time: true, range: (_u: uPlot, _min: number, max: number) => [max - WINDOW_SECONDS, max] },
            // From zero, with a little headroom; an idle relay's flat zero line is not stretched to 100.
            y: { range: (_u: uPlot, _min: number, max: number) => [0, max > 0 ? max * 1.1 : 1] },
          },
          series: [{}, ...lines.map((l) => ({ label: l.label, stroke: l.colour, width: 2, spanGaps: true }))],
          axes: [axis, { ...axis, size: 60, values: (_u: uPlot, ticks: number[]) => ticks.map(format) }],
        },
        latest.current(),
        el,
      )
    }
    make()
    const scheme = matchMedia('(prefers-color-scheme: dark)')
    scheme.addEventListener('change', make)
    return () => {
      scheme.removeEventListener('change', make)
      plot.current?.destroy()
      plot.current = null
    }
  }, [])
  useEffect(() => {
    plot.current?.setData(data())
  }, [points])
  const last = points.at(-1)
  const caption = lines
    .map(
      (l) => `${l.label} ${last === undefined || last[l.key] === null ? '—' : format(last[l.key] as number)}`,
    )
    .join(', ')
  return (
    <figure class="chart">
      <figcaption>
        <strong>{title}</strong> <span>{caption}</span>
      </figcaption>
      <div ref={box} class="plot" aria-hidden="true" />
    </figure>
  )
}
