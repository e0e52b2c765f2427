/**
 * Bounds on what one ipfs call may walk, hold or write (issue 9: missing, malformed,
 * huge or repetitive content must end in a clear error, not a stalled or dead relay).
 * The README's IPFS section lists them.
 */

/** Distinct blocks one walk (pin, CAR export, integrity check) visits: ~50 GB at 256 KiB chunks. */
export const MAX_DAG_BLOCKS = 200_000
/** One block's bytes on import or put; Kubo's bitswap refuses blocks over 2 MiB. */
export const MAX_BLOCK_BYTES = 4 * 1024 * 1024
/** Bytes ipfs_get (and reads by CID into a file) write for one call. */
export const MAX_SAVE_BYTES = 4 * 1024 * 1024 * 1024
/** Files and folders ipfs_get creates for one call. */
export const MAX_SAVE_ENTRIES = 100_000
/** Folder depth ipfs_get creates. */
export const MAX_SAVE_DEPTH = 64
/** A CAR returned inline (base64) rather than written to a path. */
export const MAX_INLINE_CAR = 4 * 1024 * 1024
/** ipfs_cat's largest read. */
export const MAX_CAT_BYTES = 4 * 1024 * 1024
