/**
 * Edit distance for "did you mean" suggestions. Ten lines did not justify a
 * dependency (fastest-levenshtein was the candidate).
 */
export function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    const row = [i]
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1
      row[j] = Math.min((prev[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + cost)
    }
    prev = row
  }
  return prev[b.length] ?? 0
}

/** Names longer than this get no suggestions: no name is close to them (issue 9). */
const MAX_SUGGESTED_FOR = 256

export interface NameScore {
  name: string
  /** Edits away, halved when one name contains the other: lower is closer. */
  score: number
}

/** The candidates close to `name` in spelling, closest first: small edit distance, or containment. */
export function spellingScores(name: string, candidates: Iterable<string>): NameScore[] {
  if (name.length > MAX_SUGGESTED_FOR) return []
  const wanted = name.toLowerCase()
  const scored: NameScore[] = []
  for (const candidate of candidates) {
    const contains = candidate.includes(wanted) || wanted.includes(candidate)
    const threshold = Math.max(2, Math.floor(wanted.length / 3))
    // The distance is at least the length gap, and exactly it when one contains the
    // other; the quadratic computation runs only for names of similar length.
    const gap = Math.abs(wanted.length - candidate.length)
    const distance = contains
      ? gap
      : gap > threshold
        ? Number.POSITIVE_INFINITY
        : editDistance(wanted, candidate)
    if (distance <= threshold || contains)
      scored.push({ name: candidate, score: contains ? distance / 2 : distance })
  }
  return scored.sort((x, y) => x.score - y.score || x.name.localeCompare(y.name))
}

/** The candidates closest to `name`: small edit distance first, then substring matches. */
export function closestNames(name: string, candidates: Iterable<string>, limit: number): string[] {
  return spellingScores(name, candidates)
    .slice(0, limit)
    .map((s) => s.name)
}
