/**
 * Entry of the search thread: one thread holds the MiniSearch indexes, and its tasks
 * run one at a time in order. Each export is one step of a tool's work.
 */
import { storeOps } from '../../compute/worker-reply.ts'
import { SearchIndexes } from './index-store.ts'
import * as ops from './search-ops.ts'

const { op } = storeOps((dir) => new SearchIndexes(dir))

export const beginBuild = op(ops.beginBuild)
export const addRows = op(ops.addRows)
export const finishBuild = op(ops.finishBuild)
export const abortBuild = op(ops.abortBuild)
export const query = op(ops.query)
export const stats = op(ops.stats)
export const list = op((indexes) => ops.list(indexes))
export const remove = op(ops.remove)
