import { DEFAULT_ENTROPY_THRESHOLD, type Detector, detectors, type FindingKind } from './detectors.ts'

export interface Finding {
  type: string
  kind: FindingKind
  /** UTF-16 offsets of the sensitive value in the text. */
  start: number
  end: number
  /** The value with all but its first and last two characters masked. */
  preview: string
}

export interface ScanOptions {
  kinds?: readonly FindingKind[]
  entropyThreshold?: number
}

function mask(value: string): string {
  if (value.length <= 6) return '*'.repeat(value.length)
  return `${value.slice(0, 2)}${'*'.repeat(Math.min(value.length - 4, 24))}${value.slice(-2)}`
}

/** Index of the first span in `spans` (disjoint, sorted) that ends after `start`. */
function firstEndingAfter(spans: readonly Finding[], start: number): number {
  let lo = 0
  let hi = spans.length
  while (lo < hi) {
    const mid = (lo + hi) >> 1
    if ((spans[mid] as Finding).end <= start) lo = mid + 1
    else hi = mid
  }
  return lo
}

/** Merges two sorted lists of disjoint spans that do not overlap each other. */
function merge(a: readonly Finding[], b: readonly Finding[]): Finding[] {
  const out: Finding[] = []
  let i = 0
  let j = 0
  while (i < a.length || j < b.length) {
    if (j >= b.length || (i < a.length && (a[i] as Finding).start < (b[j] as Finding).start)) {
      out.push(a[i++] as Finding)
    } else out.push(b[j++] as Finding)
  }
  return out
}

/**
 * Finds secrets and personal data in text. Detectors earlier in the list win over
 * later ones where matches overlap (a GitHub token is not also reported as a
 * high-entropy string). Pure, and O(n + f log f) for f findings: each detector's
 * matches are checked against the spans already taken by binary search, then merged
 * in (a linear scan of every taken span per match was quadratic in the findings).
 */
export function scanText(text: string, options: ScanOptions = {}): Finding[] {
  const kinds = new Set(options.kinds ?? ['secret', 'pii'])
  let taken: Finding[] = []
  for (const detector of detectors(options.entropyThreshold ?? DEFAULT_ENTROPY_THRESHOLD)) {
    if (!kinds.has(detector.kind)) continue
    const found: Finding[] = []
    // A detector's matches come in order and never overlap one another.
    for (const match of text.matchAll(detector.pattern)) {
      const value = detector.group === undefined ? match[0] : match[detector.group]
      if (value === undefined || match.index === undefined) continue
      const start = match.index + (detector.group === undefined ? 0 : match[0].indexOf(value))
      const end = start + value.length
      const next = taken[firstEndingAfter(taken, start)]
      if ((next !== undefined && next.start < end) || (detector.accept && !detector.accept(value))) continue
      found.push({ type: detector.type, kind: detector.kind, start, end, preview: mask(value) })
    }
    if (found.length > 0) taken = merge(taken, found)
  }
  return taken
}

/** Replaces every finding with `[REDACTED:<type>]` (or a fixed replacement). */
export function redactText(text: string, findings: readonly Finding[], replacement?: string): string {
  const parts: string[] = []
  let at = 0
  for (const f of [...findings].sort((a, b) => a.start - b.start)) {
    if (f.start < at) continue
    parts.push(text.slice(at, f.start), replacement ?? `[REDACTED:${f.type}]`)
    at = f.end
  }
  parts.push(text.slice(at))
  return parts.join('')
}

export type { Detector }
