/**
 * The hierarchical tool manager: the meta-tools (meta-tools.ts) and the exposure modes
 * (exposure.ts) that decide which tools `tools/list` shows, over one registry.
 */
