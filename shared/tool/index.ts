/**
 * The tool model: declarations (define-tool.ts, types.ts), the registry, search over
 * tools, input validation, the published JSON shape of a tool (publish.ts) and the
 * example parameters the docs and `tools_get_schema` show.
 */
