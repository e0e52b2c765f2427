/**
 * Caps of the vector tools (issue 9). Index work runs on the vector thread; these keep
 * what is parsed and serialised on the event loop small.
 */
/** Numbers one vector_add call takes (vectors × dimensions). */
export const MAX_ADD_NUMBERS = 50_000
/** Vectors or texts one call adds. */
export const MAX_ADD_ITEMS = 10_000
/** A vector's metadata as JSON, in bytes: search answers carry it. */
export const MAX_METADATA_BYTES = 1_024
/** Vectors one index holds. */
export const MAX_INDEX_VECTORS = 1_000_000
/** Ids one vector_delete call takes. */
export const MAX_DELETE_IDS = 10_000
