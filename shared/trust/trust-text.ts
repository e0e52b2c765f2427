import { z } from 'zod'
import { parseTrust, type TrustRequirement } from './trust-policy.ts'

/** A trust requirement as tools take it (`any`, `quorum:K`, `spot-check:RATE`), parsed. */
export const trustText = z
  .string()
  .max(32)
  .transform((text, ctx): TrustRequirement => {
    const parsed = parseTrust(text)
    if (parsed.ok) return parsed.trust
    ctx.addIssue({ code: 'custom', message: parsed.message })
    return z.NEVER
  })
