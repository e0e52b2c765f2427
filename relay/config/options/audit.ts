import type { OptionSpec } from '../option-spec.ts'

/** Audit log segments: when they are sealed and when exported ones are removed (`audit.*`). */
export const AUDIT_OPTIONS: readonly OptionSpec[] = [
  {
    key: 'audit.segmentMaxBytes',
    flag: 'audit-segment-max-bytes',
    env: 'MCPP_AUDIT_SEGMENT_MAX_BYTES',
    kind: 'int',
    help: 'The active audit segment is sealed (synced, read-only) once its file reaches this size (default 16777216, 16 MiB)',
  },
  {
    key: 'audit.segmentMaxEntries',
    flag: 'audit-segment-max-entries',
    env: 'MCPP_AUDIT_SEGMENT_MAX_ENTRIES',
    kind: 'int',
    help: 'The active audit segment is also sealed once it holds this many entries; 0: no entry limit (default 0)',
  },
  {
    key: 'audit.removeExportedAfterSeconds',
    flag: 'audit-remove-exported-after-seconds',
    env: 'MCPP_AUDIT_REMOVE_EXPORTED_AFTER_SECONDS',
    kind: 'int',
    help: 'A sealed audit segment is removed this long after audit_export_segment copied it out; unexported segments are never removed (default 604800, 7 days)',
  },
  {
    key: 'audit.maxSealedSegments',
    flag: 'audit-max-sealed-segments',
    env: 'MCPP_AUDIT_MAX_SEALED_SEGMENTS',
    kind: 'int',
    help: 'Exported audit segments are removed early, oldest first, while more than this many are sealed; 0: no count limit (default 0)',
  },
]
