/**
 * How relays find each other (issue 11, "Start a network"): the peers-file format and
 * the checks on each address; and what a member's announced capacity offers a task
 * (member-capacity.ts: capability groups, free slots for a kind and its requirements).
 * Pure; the relay reads the file and wires libp2p's discovery modules (relay/network/).
 */
