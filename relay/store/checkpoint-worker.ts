import { existsSync } from 'node:fs'
import { DatabaseSync } from 'node:sqlite'
import { McppError } from '../../shared/errors.ts'
import { workerOp } from '../compute/worker-reply.ts'

/** What `PRAGMA wal_checkpoint` answers: frames in the WAL, and how many of them are now in the file. */
export interface CheckpointResult {
  /** 1 when a writer or reader kept part of the WAL from being copied (PASSIVE never waits). */
  busy: number
  log: number
  checkpointed: number
}

/**
 * One checkpoint of a WAL database the relay's main thread writes (relay/store/checkpointer.ts),
 * on a compute thread: the WAL's frames are copied into the file and both are
 * fsynced here, not on the event loop. A connection of its own, opened and closed each
 * time: the relay's connection stays open meanwhile, so closing this one is never the
 * last close (which would checkpoint and delete the WAL). PASSIVE never waits for the
 * relay's writers; what it could not copy waits for the next checkpoint.
 */
export const checkpoint = workerOp(({ path }: { path: string }): CheckpointResult => {
  // Opening a missing path would create an empty database: a file closed and removed
  // since the request (an audit segment) has nothing left to checkpoint.
  if (!existsSync(path)) throw new McppError('NOT_FOUND', `no database at ${path}`)
  const db = new DatabaseSync(path)
  try {
    return db.prepare('PRAGMA wal_checkpoint(PASSIVE)').get() as unknown as CheckpointResult
  } finally {
    db.close()
  }
})
