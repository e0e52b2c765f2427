import { spellingScores } from './closest-names.ts'

export interface MeaningHit {
  name: string
  /** The search ranking's score (BM25); only its ratio to the best hit counts. */
  score: number
}

/**
 * The tools a caller probably meant by a name that is not one: close in spelling
 * (`text_hsah` → text_hash) or in meaning (`dataset_sql` → dataset_query, whose
 * description says SQL). `meant` ranks tools that match every word of the name
 * (`dataset`, `sql`) by their names, descriptions and parameters; requiring every word
 * keeps a tool that shares only the category out. Each candidate scores its spelling
 * closeness (1 for one edit, falling with more) plus its meaning score relative to the
 * best hit (1 for the best), so a tool that is close both ways comes first.
 */
export function suggestTools(
  name: string,
  candidates: readonly string[],
  meant: readonly MeaningHit[],
  limit: number,
): string[] {
  const allowed = new Set(candidates)
  const scores = new Map<string, number>()
  for (const s of spellingScores(name, candidates)) scores.set(s.name, 1 / Math.max(s.score, 0.5))
  const hits = meant.filter((hit) => allowed.has(hit.name))
  const best = Math.max(0, ...hits.map((hit) => hit.score))
  if (best > 0) {
    for (const hit of hits) scores.set(hit.name, (scores.get(hit.name) ?? 0) + hit.score / best)
  }
  return [...scores]
    .sort(([a, x], [b, y]) => y - x || a.localeCompare(b))
    .slice(0, limit)
    .map(([tool]) => tool)
}
