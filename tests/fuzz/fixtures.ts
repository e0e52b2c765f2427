import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { FuzzedRelay } from './fuzzed-relay.ts'
import type { JsonLike } from './json-text.ts'
import type { Known } from './schema-params.ts'

/** A short 8 kHz mono PCM WAV tone, so that media tools have real media to work on. */
function toneWav(seconds = 0.25, rate = 8000): Buffer {
  const samples = Math.round(seconds * rate)
  const data = Buffer.alloc(samples * 2)
  for (let i = 0; i < samples; i++)
    data.writeInt16LE(Math.round(8000 * Math.sin((2 * Math.PI * 440 * i) / rate)), i * 2)
  const header = Buffer.alloc(44)
  header.write('RIFF', 0)
  header.writeUInt32LE(36 + data.length, 4)
  header.write('WAVEfmt ', 8)
  header.writeUInt32LE(16, 16)
  header.writeUInt16LE(1, 20)
  header.writeUInt16LE(1, 22)
  header.writeUInt32LE(rate, 24)
  header.writeUInt32LE(rate * 2, 28)
  header.writeUInt16LE(2, 32)
  header.writeUInt16LE(16, 34)
  header.write('data', 36)
  header.writeUInt32LE(data.length, 40)
  return Buffer.concat([header, data])
}

/** Files under the relay's data root, named in FIXTURE_PATHS. */
export function writeFixtureFiles(root: string): void {
  mkdirSync(join(root, 'dir', 'sub'), { recursive: true })
  const cities = ['Oslo', 'Lima', 'Pune', 'Kyiv']
  const sales = ['city,qty,price,time']
  for (let i = 0; i < 40; i++) {
    sales.push(
      `${cities[i % 4]},${(i * 7) % 13},${(i * 3.5).toFixed(2)},2024-01-0${1 + (i % 9)}T0${i % 10}:00:00Z`,
    )
  }
  writeFileSync(join(root, 'sales.csv'), `${sales.join('\n')}\n`)
  const readings = ['time,temperature']
  for (let i = 0; i < 24; i++)
    readings.push(`2024-03-01T${String(i).padStart(2, '0')}:00:00Z,${10 + (i % 7)}`)
  writeFileSync(join(root, 'readings.csv'), `${readings.join('\n')}\n`)
  writeFileSync(
    join(root, 'articles.csv'),
    'id,title,body\n1,Climate policy,Carbon prices and policy\n2,Apples,Fresh red apples in autumn\n3,Contact,Mail jane@example.com or call 555-0100\n',
  )
  writeFileSync(
    join(root, 'data.json'),
    JSON.stringify([
      { a: 1, b: 'x' },
      { a: 2, b: 'y' },
    ]),
  )
  writeFileSync(join(root, 'rows.jsonl'), '{"a":1}\n{"a":2}\n')
  writeFileSync(
    join(root, 'notes.txt'),
    'Plain notes. AWS key AKIAIOSFODNN7EXAMPLE should be found by the scanner.\n',
  )
  writeFileSync(join(root, 'tone.wav'), toneWav())
  writeFileSync(join(root, 'dir', 'a.txt'), 'a\n')
  writeFileSync(join(root, 'dir', 'sub', 'b.csv'), 'x,y\n1,2\n')
  // A link that stays inside the root: the walkers' symlink handling is exercised
  // without pointing the fuzz at the machine's own files.
  symlinkSync('notes.txt', join(root, 'link-to-notes'))
}

/**
 * Objects for tools to find (datasets, a graph, a search index, a vector index, IPFS
 * content), created through the tools themselves. A call that fails here is reported
 * but does not stop the fuzz: it only costs coverage.
 */
export async function createFixtureObjects(
  relay: FuzzedRelay,
): Promise<{ known: Known; problems: string[] }> {
  const problems: string[] = []
  const cids: string[] = []
  const call = async (tool: string, params: JsonLike): Promise<any> => {
    const reply = await relay.mcp.dispatch(tool, params, { timeoutMs: 30_000 })
    const result = reply.result
    if (!result || result.isError) {
      problems.push(`${tool}: ${JSON.stringify(reply).slice(0, 300)}`)
      return undefined
    }
    return result.structuredContent?.result
  }
  for (const name of ['sales', 'readings', 'articles']) {
    await call('dataset_load', { name, source: { path: `${name}.csv` } })
  }
  await call('graph_create', { name: 'g' })
  await call('graph_add', {
    name: 'g',
    nodes: [{ id: 'a' }, { id: 'b' }, { id: 'c' }],
    edges: [
      { source: 'a', target: 'b' },
      { source: 'b', target: 'c' },
    ],
  })
  await call('search_build_index', {
    name: 'articles',
    dataset: 'articles',
    textColumns: ['title', 'body'],
    idColumn: 'id',
  })
  await call('vector_create_index', { name: 'docs', dimensions: 3, metric: 'cosine' })
  await call('vector_add', {
    name: 'docs',
    vectors: [{ id: 'doc-1', vector: [0.1, 0.2, 0.3], metadata: { lang: 'en' } }],
  })
  const added = await call('ipfs_add', { path: 'dir' })
  if (added?.cid) cids.push(added.cid)
  const file = await call('ipfs_add', { text: 'fixture text for the fuzz' })
  if (file?.cid) cids.push(file.cid)
  const dag = await call('ipfs_dag_put', { value: { hello: 'fuzz', list: [1, 2, 3] } })
  if (dag?.cid) cids.push(dag.cid)
  const submitted = await call('p2p_taskqueue_submit', {
    tasks: [
      // No worker has this capability: the task stays queued (tasks.unknownKinds refuses unknown kinds).
      { kind: 'echo', requires: ['fuzz-parked'], input: { n: 1 } },
      { kind: 'echo', input: 'x', tags: ['fuzz'] },
    ],
  })
  const taskIds: string[] = submitted?.tasks?.map((t: { id: string }) => t.id) ?? []
  const catalogue = (await (
    await fetch(`${relay.url}/api/tools`, { headers: relay.authorization })
  ).json()) as {
    categories: Array<{ name: string; tools: Array<{ name: string }> }>
  }
  return {
    known: {
      tools: catalogue.categories.flatMap((c) => c.tools.map((t) => t.name)),
      categories: catalogue.categories.map((c) => c.name),
      names: ['sales', 'readings', 'articles', 'g', 'docs', 'missing_name', 'a', 'b', 'c'],
      cids: [...cids, 'bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy'],
      taskIds: [...taskIds, 'no-such-task'],
    },
    problems,
  }
}
