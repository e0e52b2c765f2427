import { blake2b, blake2s } from '@noble/hashes/blake2.js'
import { blake3 } from '@noble/hashes/blake3.js'
import { md5, sha1 } from '@noble/hashes/legacy.js'
import { sha256, sha384, sha512 } from '@noble/hashes/sha2.js'
import { sha3_256, sha3_512 } from '@noble/hashes/sha3.js'
import { bytesToHex } from '@noble/hashes/utils.js'

/**
 * Hash functions from @noble/hashes: audited, synchronous, and identical in Node,
 * browsers and workerd (Web Crypto lacks MD5, SHA-3 and BLAKE).
 */
const ALGORITHMS = {
  sha256,
  sha384,
  sha512,
  'sha3-256': sha3_256,
  'sha3-512': sha3_512,
  blake2b,
  blake2s,
  blake3,
  sha1,
  md5,
} as const

export type HashAlgorithm = keyof typeof ALGORITHMS
export const HASH_ALGORITHMS = Object.keys(ALGORITHMS) as [HashAlgorithm, ...HashAlgorithm[]]

export function digest(algorithm: HashAlgorithm, bytes: Uint8Array): Uint8Array {
  return ALGORITHMS[algorithm](bytes)
}

export function encodeDigest(bytes: Uint8Array, encoding: 'hex' | 'base64'): string {
  if (encoding === 'hex') return bytesToHex(bytes)
  let binary = ''
  for (const b of bytes) binary += String.fromCharCode(b)
  return btoa(binary)
}
