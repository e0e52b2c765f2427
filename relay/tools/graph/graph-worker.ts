/**
 * Entry of the graph thread: one thread owns the graphs in memory, and its tasks run
 * one at a time in order, so changes never interleave. Each export is one tool's work.
 */
import { storeOps, workerOp } from '../../compute/worker-reply.ts'
import { GraphFiles } from './graph-files.ts'
import * as ops from './graph-ops.ts'

const { of: filesOf, op: read } = storeOps((dir) => new GraphFiles(dir))

/** A change that fails half-way leaves its graph changed in memory only: forget it. */
function change<I extends { name: string }, T>(fn: (files: GraphFiles, input: I) => T) {
  return workerOp(async ({ dir, input }: { dir: string; input: I }) => {
    const files = filesOf(dir)
    try {
      return await fn(files, input)
    } catch (err) {
      files.forget(input.name)
      throw err
    }
  })
}

export const create = change(ops.create)
export const add = change(ops.add)
export const importGraph = change(ops.importGraph)
export const remove = change(ops.remove)
export const exportGraph = read(ops.exportGraph)
export const list = workerOp(({ dir }: { dir: string }) => ops.list(filesOf(dir)))
export const neighbors = read(ops.neighbors)
export const find = read(ops.find)
export const shortest = read(ops.shortest)
export const pagerank = read(ops.pagerank)
export const components = read(ops.components)
