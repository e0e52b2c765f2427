import type { OptionSpec } from '../option-spec.ts'

/** The data filesystem (`storage.*`). */
export const STORAGE_OPTIONS: readonly OptionSpec[] = [
  {
    key: 'storage.minFreeBytes',
    flag: 'storage-min-free-bytes',
    env: 'MCPP_STORAGE_MIN_FREE_BYTES',
    kind: 'int',
    help: '/readyz answers 503 while the data filesystem has less free space than this, in bytes; 0 disables (default 104857600, 100 MiB)',
  },
]
