/**
 * Pure trust decisions about P2P workers: who may join (admission), how much an answer
 * must be checked (trust policy) and a peer's standing. The relay persists and acts.
 */
