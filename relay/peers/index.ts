/**
 * The relay's own knowledge of other peers, for the `p2p_peer_*` and
 * `p2p_bootstrap_*` tools: the persisted peer book (peer-book.ts), dialling a list of
 * addresses with limits (dial-all.ts) and its last results (dial-history.ts), asking
 * connected peers which address they see (observed-address.ts), and the public
 * libp2p bootstrap list (public-bootstrap.ts).
 */
export { DialHistory } from './dial-history.ts'
export { PeerBook } from './peer-book.ts'
export { requireLibp2p } from './require-libp2p.ts'
