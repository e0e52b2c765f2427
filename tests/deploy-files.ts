/**
 * Readers for the deployment files (Dockerfile, compose.yaml, relay/deploy/**) that the
 * deploy-*.test.ts files check. No Docker engine or cluster runs in the test
 * environment, so the files are read as text and checked against the relay itself:
 * its config loader, its /metrics, its scripts.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parse, parseAllDocuments } from 'yaml'

export const ROOT = join(import.meta.dirname, '..')

export const readText = (path: string): string => readFileSync(join(ROOT, path), 'utf8')
// Compose files use YAML merge keys (`<<: *anchor`), which YAML 1.2 leaves off by default.
export const readYaml = (path: string): any => parse(readText(path), { merge: true })
export const readYamlDocuments = (path: string): any[] =>
  parseAllDocuments(readText(path)).map((doc) => {
    if (doc.errors.length > 0) throw new Error(`${path}: ${doc.errors[0]?.message}`)
    return doc.toJS()
  })

export interface Instruction {
  keyword: string
  args: string
  line: number
}

export interface Stage {
  image: string
  name: string | undefined
  instructions: Instruction[]
}

/**
 * A Dockerfile as instructions: continuation lines joined, comments (and the
 * `# syntax=` directive) dropped, ARG defaults given before the first FROM
 * substituted into FROM lines, then grouped into stages.
 */
export function parseDockerfile(text: string): { args: Record<string, string>; stages: Stage[] } {
  const instructions: Instruction[] = []
  let pending: { text: string; line: number } | undefined
  text.split('\n').forEach((raw, index) => {
    const line = raw.trim()
    if (line.startsWith('#') || (line === '' && pending === undefined)) return
    const continued = line.endsWith('\\')
    const part = continued ? line.slice(0, -1).trim() : line
    pending = pending ? { ...pending, text: `${pending.text} ${part}` } : { text: part, line: index + 1 }
    if (continued) return
    const [keyword = '', ...rest] = pending.text.split(/\s+/)
    instructions.push({ keyword: keyword.toUpperCase(), args: rest.join(' '), line: pending.line })
    pending = undefined
  })
  const args: Record<string, string> = {}
  const stages: Stage[] = []
  for (const instruction of instructions) {
    if (instruction.keyword === 'FROM') {
      const [image = '', as, name] = instruction.args
        .replace(/\$\{(\w+)\}/g, (_, arg: string) => args[arg] ?? '')
        .split(/\s+/)
      stages.push({ image, name: as?.toUpperCase() === 'AS' ? name : undefined, instructions: [] })
    } else if (stages.length === 0) {
      if (instruction.keyword === 'ARG') {
        const [key = '', value = ''] = instruction.args.split('=')
        args[key] = value
      }
    } else {
      stages.at(-1)?.instructions.push(instruction)
    }
  }
  return { args, stages }
}

/** The instructions of `stage` with `keyword`, in order. */
export const instructionsOf = (stage: Stage, keyword: string): Instruction[] =>
  stage.instructions.filter((i) => i.keyword === keyword)

/** An exec-form argument list (`["node", "x.js"]`), or undefined for shell form. */
export function execForm(args: string): string[] | undefined {
  const json = args.slice(args.indexOf('['))
  if (!json.startsWith('[')) return undefined
  return JSON.parse(json) as string[]
}

/** `KEY=value` pairs of ENV instructions, later ones winning. */
export function envOf(stages: readonly Stage[]): Record<string, string> {
  const env: Record<string, string> = {}
  for (const stage of stages)
    for (const { args } of instructionsOf(stage, 'ENV'))
      for (const pair of args.split(/\s+/)) {
        const [key = '', value = ''] = pair.split('=')
        env[key] = value
      }
  return env
}

/** The chain of stages `name` is built on, itself last (`FROM runtime AS relay`: runtime, relay). */
export function stageChain(stages: readonly Stage[], name: string): Stage[] {
  const stage = stages.find((s) => s.name === name)
  if (!stage) throw new Error(`no stage ${name}`)
  const base = stages.find((s) => s.name === stage.image)
  return base ? [...stageChain(stages, base.name as string), stage] : [stage]
}
