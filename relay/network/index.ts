/**
 * A relay's place in a network of relays (issue 11, "Start a network"): where the
 * other relays come from (bootstrap peers, a peers file, mDNS — libp2p's own discovery
 * modules), keeping the links up (KEEP_ALIVE tags, so the connection manager redials
 * with backoff, and link-keeper.ts for what it gives up on), and sending this relay's
 * capacity to the member relays on a timer and on change (capacity-announcer.ts).
 */
