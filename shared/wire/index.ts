/**
 * Wire protocols between relays and workers: length-prefixed frames and the strict
 * message schemas of the task, block and announce protocols.
 */
