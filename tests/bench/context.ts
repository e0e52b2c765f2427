import type { Row } from './table.ts'

export interface BenchContext {
  /** Measured seconds per load run (after warm-up). */
  seconds: number
  /** Prints a progress line to stderr so a long run shows where it is. */
  progress(message: string): void
}

export interface BenchSection {
  name: string
  run(ctx: BenchContext): Promise<Row[]>
}
