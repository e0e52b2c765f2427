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

/** Names longer than this get no suggestions: no tool name is near them (and the distance is quadratic). */
const MAX_SUGGESTED_NAME = 128

/** The candidates closest to `name`: small edit distance first, then substring matches. */
export function closestNames(name: string, candidates: Iterable<string>, limit: number): string[] {
  if (name.length > MAX_SUGGESTED_NAME) return []
  const wanted = name.toLowerCase()
  const scored: { name: string; score: number }[] = []
  for (const candidate of candidates) {
    const contains = candidate.includes(wanted) || wanted.includes(candidate)
    const threshold = Math.max(2, Math.floor(wanted.length / 3))
    // The distance is at least the difference in length: skip what cannot be near.
    if (!contains && Math.abs(candidate.length - wanted.length) > threshold) continue
    const distance = editDistance(wanted, candidate)
    if (distance <= threshold || contains)
      scored.push({ name: candidate, score: contains ? distance / 2 : distance })
  }
  scored.sort((x, y) => x.score - y.score || x.name.localeCompare(y.name))
  return scored.slice(0, limit).map((s) => s.name)
}
