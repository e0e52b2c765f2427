/**
 * Entry of the search thread: one thread holds the MiniSearch indexes, and its tasks
 * run one at a time in order. Each export is one step of a tool's work.
 */
import { workerOp } from '../../compute/worker-reply.ts'
import { SearchIndexes } from './index-store.ts'
import * as ops from './search-ops.ts'

const stores = new Map<string, SearchIndexes>()

/** The indexes of a data directory (a process may run several relays, each with its own thread). */
function indexesOf(dir: string): SearchIndexes {
  let indexes = stores.get(dir)
  if (!indexes) {
    indexes = new SearchIndexes(dir)
    stores.set(dir, indexes)
  }
  return indexes
}

function op<I, T>(fn: (indexes: SearchIndexes, input: I) => T) {
  return workerOp(({ dir, input }: { dir: string; input: I }) => fn(indexesOf(dir), input))
}

export const beginBuild = op(ops.beginBuild)
export const addRows = op(ops.addRows)
export const finishBuild = op(ops.finishBuild)
export const abortBuild = op(ops.abortBuild)
export const query = op(ops.query)
export const stats = op(ops.stats)
export const list = op((indexes) => ops.list(indexes))
export const remove = op(ops.remove)
