/**
 * Caps of the graph tools (issue 9). The work runs on the graph thread, but inputs are
 * parsed and answers serialised on the event loop, so both stay small; a graph itself
 * may be much larger than one answer.
 */
/** Nodes plus edges one graph may hold. */
export const MAX_GRAPH_ELEMENTS = 1_000_000
/** Nodes, and edges, one graph_add call takes. */
export const MAX_ADD = 1_000
/** Nodes plus edges graph_export answers with and graph_import takes. */
export const MAX_EXPORT_ELEMENTS = 10_000
/** Items in a list answer (neighbours, matches, scores, components). */
export const MAX_LISTED = 1_000
/** Node ids in one answer of paths and components. */
export const MAX_LISTED_IDS = 10_000
/** Longest node id. */
export const MAX_NODE_ID = 256
