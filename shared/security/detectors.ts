/**
 * What a scan looks for. Secrets by known formats plus entropy; personal data by pattern.
 * The patterns run over untrusted text, so each must match in linear time: a test checks
 * every one with recheck (issue 9).
 */
export type FindingKind = 'secret' | 'pii'

export interface Detector {
  type: string
  kind: FindingKind
  pattern: RegExp
  /** Extra check on the match (Luhn for cards, entropy for generic secrets). */
  accept?: (match: string) => boolean
  /** Which capture group is the sensitive value (default: the whole match). */
  group?: number
}

/** Luhn checksum (ISO/IEC 7812), which every payment card number satisfies. */
export function luhnValid(digits: string): boolean {
  let sum = 0
  let double = false
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48
    if (double) {
      d *= 2
      if (d > 9) d -= 9
    }
    sum += d
    double = !double
  }
  return digits.length >= 12 && sum % 10 === 0
}

/** Shannon entropy in bits per character. */
export function entropy(text: string): number {
  const counts = new Map<string, number>()
  for (const c of text) counts.set(c, (counts.get(c) ?? 0) + 1)
  let bits = 0
  for (const n of counts.values()) {
    const p = n / text.length
    bits -= p * Math.log2(p)
  }
  return bits
}

export const DEFAULT_ENTROPY_THRESHOLD = 4.0

const NON_DIGIT = /\D/g
const CARD_SEPARATOR = /[ -]/g
const DOTTED_QUAD = /^\d{1,3}(?:\.\d{1,3}){3}$/
/** The patterns the detectors' checks apply to a match (checked with recheck too). */
export const CHECK_PATTERNS: readonly RegExp[] = [NON_DIGIT, CARD_SEPARATOR, DOTTED_QUAD]

export function detectors(entropyThreshold = DEFAULT_ENTROPY_THRESHOLD): Detector[] {
  const highEntropy = (s: string) => entropy(s) >= entropyThreshold
  return [
    {
      type: 'private_key',
      kind: 'secret',
      pattern:
        /-----BEGIN (?:RSA |EC |DSA |OPENSSH |PGP )?PRIVATE KEY-----[\s\S]*?(?:-----END (?:RSA |EC |DSA |OPENSSH |PGP )?PRIVATE KEY-----|$)/g,
    },
    { type: 'aws_access_key_id', kind: 'secret', pattern: /\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/g },
    { type: 'github_token', kind: 'secret', pattern: /\bgh[pousr]_[A-Za-z0-9]{36,255}\b/g },
    { type: 'slack_token', kind: 'secret', pattern: /\bxox[abprs]-[A-Za-z0-9-]{10,}\b/g },
    { type: 'stripe_key', kind: 'secret', pattern: /\b(?:sk|rk|pk)_(?:live|test)_[A-Za-z0-9]{16,}\b/g },
    { type: 'google_api_key', kind: 'secret', pattern: /\bAIza[0-9A-Za-z_-]{35}\b/g },
    {
      type: 'jwt',
      kind: 'secret',
      // Starts only where a run of token characters starts, so a long run full of "eyJ"
      // is tried once, not from every "eyJ" in it (which was quadratic).
      pattern: /(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/g,
    },
    {
      type: 'assigned_secret',
      kind: 'secret',
      pattern:
        /\b(?:password|passwd|pwd|secret|api[_-]?key|access[_-]?token|auth[_-]?token)\b["']?\s*[:=]\s*["']?([^\s"',;]{8,})/gi,
      group: 1,
      accept: (value) => entropy(value) >= 3,
    },
    {
      type: 'high_entropy_string',
      kind: 'secret',
      pattern: /\b[A-Za-z0-9+/_-]{24,}={0,2}/g,
      accept: highEntropy,
    },
    {
      type: 'email',
      kind: 'pii',
      // Starts only where a run of address characters starts: with `\b`, "a.a.a.…"
      // without an @ was scanned to its end from every dot (1 MB held the relay minutes).
      pattern:
        /(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}(?![A-Za-z0-9-])/g,
    },
    {
      type: 'card_number',
      kind: 'pii',
      pattern: /\b\d(?:[ -]?\d){12,18}\b/g,
      accept: (m) => luhnValid(m.replace(CARD_SEPARATOR, '')),
    },
    {
      type: 'phone',
      kind: 'pii',
      pattern: /(?<![\w+])(?:\+\d{1,3}[ .-]?)?(?:\(\d{1,4}\)[ .-]?)?\d{2,4}(?:[ .-]\d{2,4}){2,4}(?!\w)/g,
      accept: (m) => {
        const digits = m.replace(NON_DIGIT, '')
        // Dotted quads are IPv4 addresses, not phone numbers.
        return digits.length >= 9 && digits.length <= 15 && !DOTTED_QUAD.test(m)
      },
    },
  ]
}
