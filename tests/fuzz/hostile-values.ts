import fc from 'fast-check'
import { deepArray, deepObject, hugeString, type JsonLike, ODD_NUMBER_TOKENS } from './json-text.ts'

/**
 * Values an attacker would try, by kind. Sizes stay under the relay's 4 MiB body
 * limit so that they reach the tools instead of bouncing off the HTTP layer.
 */

export const TRAVERSAL_PATHS = [
  '../../etc/passwd',
  `${'../'.repeat(24)}etc/passwd`,
  '/etc/passwd',
  '/etc/hostname',
  '/dev/null',
  '..',
  '.',
  '',
  '/',
  'dir/../../',
  'dir/../notes.txt',
  './notes.txt',
  'notes.txt\u0000.csv',
  '..%2f..%2fetc%2fpasswd',
  '....//....//etc/passwd',
  '..\\..\\windows\\win.ini',
  'C:\\Windows\\win.ini',
  'file:///etc/passwd',
  '~/.ssh/id_rsa',
  'dir/',
  'dir/sub',
  'link-to-notes',
  'missing/deeper/file.csv',
  'a'.repeat(300),
  `${'a/'.repeat(2000)}x`,
]

/** Names of the fixture files the fuzz relay holds, so that valid paths reach real work. */
export const FIXTURE_PATHS = [
  'sales.csv',
  'readings.csv',
  'articles.csv',
  'data.json',
  'rows.jsonl',
  'notes.txt',
  'tone.wav',
  'dir',
  'dir/a.txt',
  'dir/sub/b.csv',
  'link-to-notes',
]

export const SQL_SNIPPETS = [
  'SELECT * FROM sales',
  'SELECT city, sum(qty * price) FROM sales GROUP BY city',
  'SELECT 1; DROP TABLE sales',
  "SELECT * FROM read_csv('/etc/passwd')",
  "COPY sales TO '/tmp/mcpp-fuzz-copy.csv'",
  "ATTACH '/tmp/mcpp-fuzz.db' AS x",
  'INSTALL httpfs',
  "SET memory_limit='100TB'",
  'PRAGMA database_list',
  'SELECT * FROM duckdb_settings()',
  'qty * price',
  'qty) FROM sales UNION SELECT 1 --',
  "1) UNION SELECT current_setting('home_directory') --",
  '(SELECT count(*) FROM range(1000000000000))',
  'SELECT count(*) FROM range(1000000000000)',
  'SELECT * FROM range(100000000) a, range(100000000) b',
  "SELECT repeat('x', 2000000000)",
  "SELECT regexp_matches(repeat('a', 100000), '(a+)+$')",
  'WITH RECURSIVE t(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM t) SELECT * FROM t',
  '',
  ';',
  '--',
  "'",
]

export const ODD_STRINGS = [
  '',
  ' ',
  '\u0000',
  'a\u0000b',
  '\ud800',
  '\udfff\ud800',
  '\u202eevil',
  '\ufeff',
  '💥🔥'.repeat(10),
  'é'.normalize('NFD'),
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'hasOwnProperty',
  '*',
  '**/*',
  '?',
  '[',
  '(a+)+$',
  '$' + '{process.env}', // a template-injection probe, kept literal
  '{{7*7}}',
  '<script>alert(1)</script>',
  "'; DROP TABLE audit; --",
  '%s%s%s%n',
  'http://127.0.0.1:1/',
  'http://169.254.169.254/latest/meta-data/',
  'file:///etc/passwd',
  'javascript:alert(1)',
  '\r\nX-Injected: 1',
  '1e309',
  'NaN',
  '-1',
  'null',
  'true',
  '0x10',
  'bafkqaaa',
  'Qm',
]

/** Strings long enough to find quadratic work and backtracking regexes, but under the body limit. */
export const longString: fc.Arbitrary<JsonLike> = fc
  .tuple(
    fc.constantFrom(4_097, 8_193, 65_537, 262_145, 1_048_577),
    fc.constantFrom('a', ' ', 'a ', '\n', 'é', '💥', '0', 'AKIA', '=', '-----BEGIN '),
  )
  .map(([length, unit]) => hugeString(Math.ceil(length / unit.length), unit))

export const deepValue: fc.Arbitrary<JsonLike> = fc
  .tuple(fc.constantFrom(64, 1_000, 10_000, 100_000, 200_000), fc.boolean())
  .map(([depth, array]) => (array ? deepArray(depth) : deepObject(depth)))

export const oddNumber: fc.Arbitrary<JsonLike> = fc.oneof(
  fc.constantFrom(...ODD_NUMBER_TOKENS),
  fc.constantFrom(
    -1,
    0,
    1,
    -0.5,
    0.5,
    2 ** 31,
    -(2 ** 31) - 1,
    2 ** 32,
    2 ** 53,
    -(2 ** 53),
    Number.MAX_SAFE_INTEGER,
    Number.MAX_VALUE,
    Number.MIN_VALUE,
    1e21,
    -1e21,
  ),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.integer(),
)

export const oddString: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...ODD_STRINGS) },
  { weight: 2, arbitrary: fc.constantFrom(...TRAVERSAL_PATHS) },
  { weight: 1, arbitrary: fc.constantFrom(...SQL_SNIPPETS) },
  { weight: 3, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 2, arbitrary: fc.string({ maxLength: 40 }) },
)

/** Any JSON value, small, with hostile leaves. */
export const smallJson: fc.Arbitrary<JsonLike> = fc.letrec<{ value: JsonLike }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constant(null),
    fc.boolean(),
    oddNumber,
    oddString,
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(oddString, tie('value'), { maxKeys: 4 }),
  ),
})).value

/** Any value at all, from small and plain to deep, huge or wide. */
export const hostileValue: fc.Arbitrary<JsonLike> = fc.oneof(
  { weight: 6, arbitrary: smallJson },
  { weight: 1, arbitrary: longString },
  { weight: 1, arbitrary: deepValue },
  // Wide arrays: just over the common caps (256, 1,000, 10,000), of small items so
  // that they stay under the body limit.
  {
    weight: 1,
    arbitrary: fc
      .tuple(
        fc.constantFrom(257, 1_001, 10_001, 100_001),
        fc.constantFrom<JsonLike>(null, 0, 1.5, 'a', '', [], {}),
      )
      .map(([n, item]) => Array.from({ length: n }, () => item)),
  },
)
