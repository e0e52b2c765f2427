import { VectorIndex } from '../../../relay/vectors/vector-index.ts'
import type { BenchSection } from '../context.ts'
import { percentile } from '../load.ts'

const DIMENSIONS = 384
const VECTORS = 100_000
const CLUSTERS = 10_000
const NOISE = 1.0
const QUERIES = 200
const K = 10

/** A seeded generator, so every run indexes the same vectors. */
function gaussian(seed: number): () => number {
  let s = seed >>> 0
  const uniform = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0
    return (s + 1) / 4294967297
  }
  return () => Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform())
}

/** Embedding-like data: 10 points around each of 10,000 centres, so a top-10 crosses clusters. */
function clusteredVectors(next: () => number): { centres: Float32Array[]; data: Float32Array } {
  const centres = Array.from({ length: CLUSTERS }, () => Float32Array.from({ length: DIMENSIONS }, next))
  const data = new Float32Array(VECTORS * DIMENSIONS)
  for (let i = 0; i < VECTORS; i++) {
    const c = centres[i % CLUSTERS] as Float32Array
    for (let j = 0; j < DIMENSIONS; j++) data[i * DIMENSIONS + j] = (c[j] as number) + NOISE * next()
  }
  return { centres, data }
}

function normalised(v: ArrayLike<number>): Float32Array {
  let sum = 0
  for (let i = 0; i < v.length; i++) sum += (v[i] as number) ** 2
  const norm = Math.sqrt(sum)
  return Float32Array.from(v, (x) => x / norm)
}

/** Exact cosine top-k by scanning every vector (the baseline and the ground truth). */
function exactTopK(unit: Float32Array, query: Float32Array, k: number): number[] {
  const best: Array<[number, number]> = []
  for (let i = 0; i < VECTORS; i++) {
    let dot = 0
    const offset = i * DIMENSIONS
    for (let j = 0; j < DIMENSIONS; j++) dot += (unit[offset + j] as number) * (query[j] as number)
    if (best.length < k || dot > (best[best.length - 1] as [number, number])[1]) {
      best.push([i, dot])
      best.sort((a, b) => b[1] - a[1])
      if (best.length > k) best.pop()
    }
  }
  return best.map(([i]) => i)
}

/**
 * The vector tools' index (HNSW via hnswlib, the class vector_search uses) over
 * 100,000 × 384 clustered vectors: median top-10 query time and recall@10 against an
 * exact scan of the same vectors, which is also the speed baseline.
 */
export const vectorSearchBench: BenchSection = {
  name: 'vector',
  async run(ctx) {
    const next = gaussian(42)
    ctx.progress(`vector: generating ${VECTORS.toLocaleString('en-US')} × ${DIMENSIONS} vectors`)
    const { centres, data } = clusteredVectors(next)
    const index = await VectorIndex.create({
      dimensions: DIMENSIONS,
      metric: 'cosine',
      m: 16,
      efConstruction: 100,
      ef: 64,
    })
    ctx.progress('vector: building the HNSW index (about a minute)')
    const built = performance.now()
    for (let start = 0; start < VECTORS; start += 1_000) {
      index.add(
        Array.from({ length: 1_000 }, (_, k) => ({
          id: String(start + k),
          vector: Array.from(data.subarray((start + k) * DIMENSIONS, (start + k + 1) * DIMENSIONS)),
        })),
      )
    }
    const buildSeconds = (performance.now() - built) / 1000
    const unit = new Float32Array(VECTORS * DIMENSIONS)
    for (let i = 0; i < VECTORS; i++) {
      unit.set(normalised(data.subarray(i * DIMENSIONS, (i + 1) * DIMENSIONS)), i * DIMENSIONS)
    }
    ctx.progress(`vector: ${QUERIES} queries, approximate and exact`)
    const annMs: number[] = []
    const exactMs: number[] = []
    let found = 0
    for (let q = 0; q < QUERIES; q++) {
      const centre = centres[(q * 7_919) % CLUSTERS] as Float32Array
      const query = Array.from(centre, (x) => x + NOISE * next())
      let started = performance.now()
      const hits = index.search(query, K)
      annMs.push(performance.now() - started)
      started = performance.now()
      const truth = new Set(exactTopK(unit, normalised(query), K).map(String))
      exactMs.push(performance.now() - started)
      found += hits.filter((h) => truth.has(h.id)).length
    }
    annMs.sort((a, b) => a - b)
    exactMs.sort((a, b) => a - b)
    const section = 'vector'
    return [
      {
        section,
        metric: 'top-10 query, 100k × 384, HNSW (p50)',
        value: percentile(annMs, 50),
        baseline: percentile(exactMs, 50),
        unit: 'ms',
        target: { kind: 'max', of: 'value', limit: 5 },
      },
      {
        section,
        metric: 'top-10 query, HNSW (p99)',
        value: percentile(annMs, 99),
        baseline: percentile(exactMs, 99),
        unit: 'ms',
      },
      {
        section,
        metric: 'recall@10 against the exact scan',
        value: found / (QUERIES * K),
        unit: 'ratio',
        target: { kind: 'min', of: 'value', limit: 0.95 },
      },
      { section, metric: 'index build, 100k vectors', value: buildSeconds, unit: 's' },
    ]
  },
}
