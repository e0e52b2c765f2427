import { z } from '../../zod-mini.ts'
import { defineKind } from './types.ts'

/** Returns its input unchanged: the transport round trip with no compute. */
export const echoKind = defineKind({
  kind: 'echo',
  description: 'Return the input unchanged',
  input: z.unknown(),
  run: async (input) => input ?? null,
})
