import type { Registry } from 'prom-client'
import type { Buckets } from '../../shared/dashboard/snapshot-types.ts'

/**
 * The cumulative buckets of a prom-client histogram, summed over its labels (every
 * tool and runtime). The page keeps a few of these and takes percentiles of the
 * difference between two, so latency is over a window, not since start.
 */
export async function histogramBuckets(registry: Registry, name: string): Promise<Buckets> {
  const metric = registry.getSingleMetric(name)
  if (metric === undefined) return { bounds: [], count: 0 }
  const { values } = await metric.get()
  const byLe = new Map<number, number>()
  for (const v of values) {
    // prom-client's histogram values carry the series name (`…_bucket`), untyped.
    if (!(v as { metricName?: string }).metricName?.endsWith('_bucket')) continue
    const le = v.labels.le === '+Inf' ? Number.POSITIVE_INFINITY : Number(v.labels.le)
    byLe.set(le, (byLe.get(le) ?? 0) + v.value)
  }
  const count = byLe.get(Number.POSITIVE_INFINITY) ?? 0
  byLe.delete(Number.POSITIVE_INFINITY)
  return { bounds: [...byLe.entries()].sort((a, b) => a[0] - b[0]), count }
}

/** The sum of a counter's values whose labels pass `keep`. */
export async function counterSum(
  registry: Registry,
  name: string,
  keep: (labels: Partial<Record<string, string | number>>) => boolean = () => true,
): Promise<number> {
  const metric = registry.getSingleMetric(name)
  if (metric === undefined) return 0
  const { values } = await metric.get()
  let sum = 0
  for (const v of values) if (keep(v.labels)) sum += v.value
  return sum
}
