/**
 * Access policy decisions (who may call which tool or submit which task kind) and the
 * secret and personal-data scan over untrusted text.
 */
