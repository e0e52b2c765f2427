/**
 * Entry of the vector thread: one thread owns the HNSW indexes (hnswlib's calls are
 * synchronous and native), and its tasks run one at a time in order. Each export is
 * one tool's work.
 */
import { storeOps } from '../compute/worker-reply.ts'
import * as ops from './vector-ops.ts'
import { VectorStore } from './vector-store.ts'

const { op } = storeOps((dir) => new VectorStore(dir))

export const create = op(ops.create)
export const add = op(ops.add)
export const addTexts = op(ops.addTexts)
export const search = op(ops.search)
export const stats = op(ops.stats)
export const list = op((store) => ops.list(store))
export const remove = op(ops.remove)
export const copyTo = op(ops.copyTo)
export const adopt = op(ops.adopt)
