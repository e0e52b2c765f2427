/**
 * How the edge Worker tells a relay that it forwards a request (issue 14). The relay
 * believes the identity and client only with the right secret (relay/http/edge-access.ts);
 * a request that carries any of these headers without it is refused, so a client
 * cannot claim an identity by sending them itself.
 */
export const EDGE_SECRET_HEADER = 'mcpp-edge-secret'
/** The identity the edge authenticated (absent for an anonymous caller). */
export const EDGE_IDENTITY_HEADER = 'mcpp-edge-identity'
/** The client's address as the edge saw it: quotas count anonymous callers by it. */
export const EDGE_CLIENT_HEADER = 'mcpp-edge-client'
export const EDGE_HEADERS = [EDGE_SECRET_HEADER, EDGE_IDENTITY_HEADER, EDGE_CLIENT_HEADER] as const
/** Identities and client addresses as they ride in a header: visible ASCII, bounded. */
export const EDGE_HEADER_VALUE = /^[\x21-\x7e]{1,300}$/
