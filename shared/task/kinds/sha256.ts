import { sha256 } from '@noble/hashes/sha2.js'
import { bytesToHex } from '@noble/hashes/utils.js'
import { z } from '../../zod-mini.ts'
import { base64ToBytes } from './base64.ts'
import { defineKind, PermanentTaskError } from './types.ts'

const encoder = new TextEncoder()

/** SHA-256 of UTF-8 text or of base64-encoded bytes. */
export const sha256Kind = defineKind({
  kind: 'sha256',
  description: 'SHA-256 of text (UTF-8) or of bytes given as base64',
  input: z.union([
    z.strictObject({ text: z.string() }),
    z.strictObject({ base64: z.string().check(z.regex(/^[A-Za-z0-9+/]*={0,2}$/, 'not base64')) }),
  ]),
  run: async (input) => {
    let bytes: Uint8Array
    if ('text' in input) bytes = encoder.encode(input.text)
    else {
      try {
        bytes = base64ToBytes(input.base64)
      } catch {
        throw new PermanentTaskError('INVALID_INPUT', 'base64: not valid base64')
      }
    }
    return { sha256: bytesToHex(sha256(bytes)), bytes: bytes.length }
  },
})
