import { readFileSync } from 'node:fs'
import { parse } from 'yaml'
import { type LoadedPolicy, OPEN, parseAccessPolicy } from '../../shared/security/policy-file.ts'

export type { LoadedPolicy } from '../../shared/security/policy-file.ts'
export { MAX_SUBJECT_LENGTH, OPEN } from '../../shared/security/policy-file.ts'

/**
 * Reads the access-policy YAML (`--access-policy`). A bad file stops start-up with a
 * message naming the key.
 */
export function loadAccessPolicy(path: string | undefined): LoadedPolicy {
  if (path === undefined) return OPEN
  let raw: unknown
  try {
    raw = parse(readFileSync(path, 'utf8'))
  } catch (err) {
    throw new Error(`access policy ${path}: ${(err as Error).message}`)
  }
  return parseAccessPolicy(raw, path)
}
