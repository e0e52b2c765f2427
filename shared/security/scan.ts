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

/**
 * Finds secrets and personal data in text. Detectors earlier in the list win over
 * later ones where matches overlap (a GitHub token is not also reported as a
 * high-entropy string). Pure.
 */
export function scanText(text: string, options: ScanOptions = {}): Finding[] {
  const kinds = new Set(options.kinds ?? ['secret', 'pii'])
  const found: Finding[] = []
  const taken: Array<[number, number]> = []
  const overlaps = (s: number, e: number) => taken.some(([a, b]) => s < b && a < e)
  for (const detector of detectors(options.entropyThreshold ?? DEFAULT_ENTROPY_THRESHOLD)) {
    if (!kinds.has(detector.kind)) continue
    for (const match of text.matchAll(detector.pattern)) {
      const value = detector.group === undefined ? match[0] : match[detector.group]
      if (value === undefined || match.index === undefined) continue
      const start = match.index + (detector.group === undefined ? 0 : match[0].indexOf(value))
      const end = start + value.length
      if (overlaps(start, end) || (detector.accept && !detector.accept(value))) continue
      taken.push([start, end])
      found.push({ type: detector.type, kind: detector.kind, start, end, preview: mask(value) })
    }
  }
  return found.sort((a, b) => a.start - b.start)
}

/** Replaces every finding with `[REDACTED:<type>]` (or a fixed replacement). */
export function redactText(text: string, findings: readonly Finding[], replacement?: string): string {
  let out = ''
  let at = 0
  for (const f of [...findings].sort((a, b) => a.start - b.start)) {
    if (f.start < at) continue
    out += text.slice(at, f.start) + (replacement ?? `[REDACTED:${f.type}]`)
    at = f.end
  }
  return out + text.slice(at)
}

export type { Detector }
