/**
 * How relays find each other (issue 11, "Start a network"): the peers-file format and
 * the checks on each address. Pure; the relay reads the file and wires libp2p's
 * discovery modules (relay/network/).
 */
