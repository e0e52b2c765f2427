/** The tool model: declarations, JSON Schema publishing, validation, the registry and search. */
export { closestNames, editDistance } from './closest-names.ts'
export { defineTool } from './define-tool.ts'
export { parameterNames, toJsonSchema } from './json-schema.ts'
export { type CategorySummary, ToolRegistry } from './registry.ts'
export { type SearchHit, ToolSearchIndex, tokenize } from './tool-search.ts'
export type * from './types.ts'
export { describeProblems, type ParamProblem, parseToolInput, parseToolOutput, validate } from './validate.ts'
