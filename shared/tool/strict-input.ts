import type { z } from 'zod'
import { isFreeForm } from './free-form.ts'

/** Zod types that accept any value: each must be declared with freeValue. */
const ANY_VALUE = new Set(['unknown', 'any', 'custom'])

export interface LooseSpot {
  /** Where in the input, e.g. `edges[].attributes` (`[]`: any array item). */
  path: string
  problem: string
}

/**
 * Every place in an input schema that would accept keys it does not name: a
 * non-strict object (zod's default strips unknown keys without a word, issue 10: an
 * edge's `weight` given beside `attributes` vanished and the shortest path came back
 * wrong), a loose one, a record not declared with freeForm, or a value of any type
 * (`z.unknown()`, `z.any()`, `z.custom()`) not declared with freeValue. The values of a
 * free-form map may be anything without a second declaration. The root itself is left
 * to the caller, which makes it strict.
 *
 * Reads zod's definitions (`_zod.def`) rather than rewriting them: zod's own rewriter
 * (`z.core.visit`, internal) clones nodes without their descriptions, and a tool
 * whose code reads `z.strictObject` says what it does.
 */
export function looseSpots(root: z.core.$ZodType): LooseSpot[] {
  const spots: LooseSpot[] = []
  const seen = new Set<z.core.$ZodType>()
  /** `inFreeMap`: below the values of a free-form map, up to the next object. */
  const walk = (schema: z.core.$ZodType, path: string, inFreeMap = false): void => {
    if (seen.has(schema)) return
    seen.add(schema)
    const def = schema._zod.def as z.core.$ZodTypeDef & Record<string, unknown>
    const at = (key: string) => (path === '' ? key : `${path}.${key}`)
    if (ANY_VALUE.has(def.type)) {
      if (!inFreeMap && !isFreeForm(schema)) {
        spots.push({
          path,
          problem: 'accepts any value: name its type, or declare it with freeValue(schema, why)',
        })
      }
      return
    }
    const free = inFreeMap || isFreeForm(schema)
    switch (def.type) {
      case 'object': {
        const { shape, catchall } = def as unknown as z.core.$ZodObjectDef
        if (schema !== root) {
          if (catchall === undefined) {
            spots.push({ path, problem: 'drops unknown keys silently: use z.strictObject' })
          } else if (catchall._zod.def.type !== 'never') {
            spots.push({ path, problem: 'accepts unknown keys: use z.strictObject, or freeForm for a map' })
          }
        }
        for (const [key, value] of Object.entries(shape)) walk(value, at(key))
        return
      }
      case 'record': {
        if (!isFreeForm(schema)) {
          spots.push({
            path,
            problem: "a map of the caller's own keys must be declared with freeForm(record, why)",
          })
        }
        walk((def as unknown as z.core.$ZodRecordDef).valueType, `${path}.*`, isFreeForm(schema))
        return
      }
      case 'array':
        walk((def as unknown as z.core.$ZodArrayDef).element, `${path}[]`, free)
        return
      case 'tuple': {
        const { items, rest } = def as unknown as z.core.$ZodTupleDef
        items.forEach((item, i) => {
          walk(item, `${path}[${i}]`, free)
        })
        if (rest) walk(rest, `${path}[]`, free)
        return
      }
      case 'union':
        for (const option of (def as unknown as z.core.$ZodUnionDef).options) walk(option, path, free)
        return
      case 'intersection': {
        const { left, right } = def as unknown as z.core.$ZodIntersectionDef
        walk(left, path, free)
        walk(right, path, free)
        return
      }
      case 'pipe': {
        const { in: input, out } = def as unknown as z.core.$ZodPipeDef
        walk(input, path, free)
        walk(out, path, free)
        return
      }
      case 'lazy':
        walk((def as unknown as z.core.$ZodLazyDef).getter(), path, free)
        return
      default: {
        // optional, nullable, default, prefault, catch, readonly, nonoptional, promise…
        const inner = def.innerType as z.core.$ZodType | undefined
        if (inner !== undefined) walk(inner, path, free)
      }
    }
  }
  walk(root, '')
  return spots
}
