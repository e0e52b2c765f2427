import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { z } from 'zod'
import { DEFAULT_ROUTE_RULES } from '../../shared/constants.ts'
import { EXPOSURE_MODES } from '../../shared/manager/exposure.ts'
import { UNKNOWN_KIND_POLICIES } from '../../shared/task/unknown-kinds.ts'
import { ADMISSION_MODES } from '../../shared/trust/admission.ts'
import { parseTrust, type TrustRequirement } from '../../shared/trust/trust-policy.ts'
import { DEFAULT_SQL_LIMITS as SQL } from '../datasets/sql-limits.ts'

const port = z.number().int().min(0).max(65535)
const LOG_LEVELS = ['debug', 'info', 'warn', 'error', 'silent'] as const
export type RelayLogLevel = (typeof LOG_LEVELS)[number]

const routeRule = z.strictObject({
  match: z.string().min(1),
  runtime: z.enum(['local', 'p2p', 'auto', 'edge']).optional(),
  requiresP2P: z.boolean().optional(),
})

/** `any`, `quorum:K` or `spot-check:RATE` (shared/trust/trust-policy.ts). */
const trustLevel = z.string().transform((text, ctx): TrustRequirement => {
  const parsed = parseTrust(text)
  if (parsed.ok) return parsed.trust
  ctx.addIssue({ code: 'custom', message: parsed.message })
  return z.NEVER
})

const trustRule = z.strictObject({
  tool: z.string().min(1).optional(),
  kind: z.string().min(1).optional(),
  identity: z.string().min(1).optional(),
  trust: trustLevel,
})

/** A libp2p PeerId in its string form (12D3Koo…, Qm… or a libp2p-key CID), checked at load. */
const peerId = z.string().superRefine((text, ctx) => {
  try {
    peerIdFromString(text)
  } catch {
    ctx.addIssue({ code: 'custom', message: `"${text.slice(0, 100)}" is not a libp2p PeerId` })
  }
})

/** A multiaddr, checked at load. */
const address = z.string().superRefine((text, ctx) => {
  try {
    multiaddr(text)
  } catch {
    ctx.addIssue({ code: 'custom', message: `"${text.slice(0, 100)}" is not a multiaddr` })
  }
})

/** RFC 6750 §2.1: the characters a bearer token may contain in an Authorization header. */
const B64TOKEN = /^[A-Za-z0-9._~+/-]+=*$/

/** One quota: a limit per caller identity and one over all callers; 0 means no limit. */
const quota = (perIdentity: number, global: number) =>
  z
    .strictObject({
      perIdentity: z.number().int().min(0).default(perIdentity),
      global: z.number().int().min(0).default(global),
    })
    .prefault({})

/** Asymmetric JWS algorithms only: a shared-secret (HS*) or `none` token is never accepted. */
export const JWT_ALGORITHMS = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
  'Ed25519',
] as const
const httpUrl = z.url({ protocol: /^https?$/, error: 'an http(s) URL' })

/** MCP authorization: the relay as an OAuth 2.1 resource server that accepts JWT access tokens. */
const oauth = z
  .strictObject({
    /** The authorization server's issuer identifier; tokens must carry it as `iss`. */
    issuer: httpUrl.optional(),
    /** Where the issuer publishes its signing keys (JWKS). */
    jwksUrl: httpUrl.optional(),
    /** This relay's MCP URL as clients reach it; tokens must carry it in `aud` (RFC 8707). */
    resource: httpUrl.optional(),
    /** The claim that names the caller; mapped onto policy identities by their `subjects`. */
    identityClaim: z.string().min(1).default('sub'),
    algorithms: z.array(z.enum(JWT_ALGORITHMS)).min(1).default(['RS256', 'PS256', 'ES256', 'EdDSA']),
    clockSkewSeconds: z.number().int().min(0).max(300).default(30),
    /** A JWKS fetch that takes longer fails the request with 503, never hangs it. */
    jwksTimeoutMs: z.number().int().min(100).max(60_000).default(3000),
    /** After a fetch, an unknown `kid` waits this long before the next JWKS fetch. */
    jwksCooldownSeconds: z.number().int().min(0).max(3600).default(30),
  })
  .prefault({})
  .superRefine((v, ctx) => {
    if (v.issuer === undefined) return
    for (const key of ['jwksUrl', 'resource'] as const) {
      if (v[key] === undefined)
        ctx.addIssue({ code: 'custom', path: [key], message: `required when auth.oauth.issuer is set` })
    }
  })

/** Every setting of a relay. Unknown keys are errors so that a typo is never ignored. */
export const configSchema = z.strictObject({
  host: z.string().min(1).default('127.0.0.1'),
  port: port.default(8000),
  p2pPort: port.default(8001),
  /** Run without the libp2p node: no P2P tasks, tools that need P2P say so. */
  disableP2p: z.boolean().default(false),
  dataDir: z.string().min(1).default('./.mcpp'),
  token: z
    .string()
    .regex(B64TOKEN, 'a bearer token is RFC 6750 b64token characters: A-Z a-z 0-9 - . _ ~ + / and trailing =')
    .optional(),
  /** YAML file: identities (by token digest) and the tools each may call. */
  accessPolicy: z.string().min(1).optional(),
  bootstrapPeers: z.array(z.string().min(1)).default([]),
  expose: z.enum(EXPOSURE_MODES).default('meta'),
  exposeTools: z.array(z.string().min(1)).default([]),
  stateless: z.boolean().default(false),
  /**
   * `--stdio` (issue 15): serve one MCP session over stdin/stdout (relay/stdio/). The
   * HTTP server and libp2p still run, on free ports unless set (relay/stdio/stdio-ports.ts).
   */
  stdio: z
    .strictObject({
      enabled: z.boolean().default(false),
      /** Who the stdio client is: the operator (the user who started it) or a policy identity. */
      identity: z.string().min(1).default('operator'),
    })
    .prefault({}),
  sessionIdleSeconds: z.number().positive().default(1800),
  maxBodyBytes: z
    .number()
    .int()
    .min(1024)
    .default(4 * 1024 * 1024),
  keepAliveSeconds: z.number().min(0).default(15),
  allowedHosts: z.array(z.string().min(1)).default([]),
  allowedOrigins: z.array(z.string().min(1)).default([]),
  logLevel: z.enum(LOG_LEVELS).default('info'),
  /** Who may become a task worker, and which calls volunteers may see (issue 9). */
  workers: z
    .strictObject({
      admission: z.enum(ADMISSION_MODES).default('open'),
      /** Join tokens that admit a worker as a member (`?join=` on /contribute, `--join-token` for Node workers). */
      joinTokens: z.array(z.string().min(16, 'a join token needs at least 16 characters')).default([]),
      /** PeerIds admitted as member workers in any mode. */
      allowlist: z.array(peerId).default([]),
      /** Tools whose calls by authenticated clients may run on anonymous volunteers (globs). */
      volunteerTools: z.array(z.string().min(1)).default([]),
      /**
       * Bytes of output blocks one worker may store per task it holds. The relay parses
       * an output it reads back, so this also bounds that parse (4 MiB: tens of ms).
       */
      maxOutputBlockBytes: z
        .number()
        .int()
        .min(1024)
        .default(4 * 1024 * 1024),
    })
    .prefault({}),
  /**
   * Unfinished (queued, leased, running) tasks allowed per identity and in all, and
   * what a submitted kind that no worker has ever announced gets: refused or a warning.
   */
  tasks: z
    .strictObject({
      maxActivePerIdentity: z.number().int().min(1).default(20_000),
      maxActive: z.number().int().min(1).default(1_000_000),
      unknownKinds: z.enum(UNKNOWN_KIND_POLICIES).default('reject'),
    })
    .prefault({}),
  /**
   * Running workflows allowed per identity and in all (each holds its steps' rows and
   * a copy of its plan in memory), and the map items one workflow may store.
   */
  workflows: z
    .strictObject({
      maxRunningPerIdentity: z.number().int().min(1).default(1_000),
      maxRunning: z.number().int().min(1).default(20_000),
      maxItemsPerWorkflow: z.number().int().min(1).default(100_000),
    })
    .prefault({}),
  /** How much a worker's answer is checked before it counts: a default and first-match rules. */
  trust: z
    .strictObject({
      default: trustLevel.prefault('any'),
      rules: z.array(trustRule).default([]),
    })
    .prefault({}),
  auth: z
    .strictObject({
      /** Serve /metrics without a token even when the relay requires one. */
      publicMetrics: z.boolean().default(false),
      /** Serve /api/status without a token even when the relay requires one. */
      publicStatus: z.boolean().default(false),
      /**
       * The secret the edge Worker sends with what it forwards (issue 14). Unset: the
       * relay refuses edge-forwarded requests.
       */
      edgeSecret: z.string().min(32, 'the edge secret needs at least 32 characters').optional(),
      oauth,
    })
    .prefault({}),
  /** Quotas per caller identity and over all callers (issue 9). */
  limits: z
    .strictObject({
      callsPerSecond: quota(1000, 4000),
      concurrentCalls: quota(64, 256),
      sessions: quota(64, 1024),
      sseStreams: quota(16, 256),
      /** Bytes of parameters of state-changing calls per hour (1 GiB per identity, 8 GiB in all). */
      storedBytesPerHour: quota(1024 ** 3, 8 * 1024 ** 3),
      /** State-changing calls are refused while the data disk has less free space (MB). */
      minFreeDiskMb: z.number().int().min(0).default(256),
    })
    .prefault({}),
  /** The data directory's disk (issue 16). */
  storage: z
    .strictObject({
      /** /readyz answers 503 while the data filesystem has less free space (100 MiB); 0 disables. */
      minFreeBytes: z
        .number()
        .int()
        .min(0)
        .default(100 * 1024 * 1024),
    })
    .prefault({}),
  /** Worker threads for CPU-heavy tool work, so no call holds the event loop (issue 9). */
  compute: z
    .strictObject({
      /** Threads for stateless work; by default one fewer than the cores, at least 1, at most 4. */
      threads: z.number().int().min(1).max(64).optional(),
      /** A task not done this long after it was handed to a pool (waiting included) is stopped: TIMEOUT. */
      timeoutSeconds: z.number().positive().max(86_400).default(60),
      /** Heap limit of each compute thread. */
      memoryMb: z.number().int().min(64).max(65_536).default(512),
    })
    .prefault({}),
  router: z
    .strictObject({
      rules: z.array(routeRule).default(DEFAULT_ROUTE_RULES.map((r) => ({ ...r }))),
      fallback: z.enum(['local', 'none']).default('local'),
    })
    .prefault({}),
  /**
   * Member relays (issue 9): only these PeerIds may announce capacity to this relay or
   * exchange work with it. Bootstrap peers are not members unless listed here.
   */
  relays: z
    .strictObject({
      members: z.array(peerId).default([]),
      /** A member's announcement is forgotten this long after it arrived. */
      announceTtlSeconds: z.number().int().min(1).max(86_400).default(600),
      /** Each relay sends its capacity to every connected member this often, and on change (issue 11). */
      announceIntervalSeconds: z.number().positive().max(3600).default(5),
      /** JSON file of relays to dial and keep connected (README, "A network of relays"). */
      peersFile: z.string().min(1).optional(),
      /** Find member relays on the LAN with mDNS (off by default: it broadcasts this relay's addresses). */
      mdns: z.boolean().default(false),
    })
    .prefault({}),
  /** The libp2p node. */
  p2p: z
    .strictObject({
      /**
       * Addresses other peers are told to dial instead of the listening one (a relay
       * behind a proxy, NAT or DNS name); identify and capacity announcements carry only these.
       */
      announce: z.array(address).max(16).default([]),
    })
    .prefault({}),
  /** Tasks handed between member relays (issue 11, relay/forwarding/). */
  forwarding: z
    .strictObject({
      /** A member running one of this relay's tasks must renew within this long, or the task is taken back. */
      leaseSeconds: z.number().int().min(1).max(3600).default(30),
    })
    .prefault({}),
  /** What a stop (SIGTERM, SIGINT) does with the MCP calls in flight (issue 10). */
  shutdown: z
    .strictObject({
      /** Calls in flight get this long to finish; the rest are answered with SHUTTING_DOWN. */
      graceSeconds: z.number().min(0).max(3600).default(10),
    })
    .prefault({}),
  /**
   * What the relay keeps of finished work (issue 16, relay/retention/): finished tasks
   * and workflows, their payload blocks, the record of expired task ids; expired cache
   * entries are purged by the same sweep.
   */
  retention: z
    .strictObject({
      /** Finished tasks (and workflows) older than this are removed: 7 days. */
      taskMaxAgeSeconds: z.number().int().min(1).default(604_800),
      /** At most this many finished tasks (and workflows) are kept; the oldest go first. */
      taskMaxCount: z.number().int().min(1).default(100_000),
      /** How often the sweep runs. */
      sweepIntervalSeconds: z.number().int().min(1).max(86_400).default(60),
      /** Rows removed per transaction; the event loop runs between batches. */
      batchSize: z.number().int().min(1).max(10_000).default(500),
    })
    .prefault({}),
  /** The audit log's segments (issue 16, README "Audit log segments"). */
  audit: z
    .strictObject({
      /** The active segment is sealed once its file reaches this size (16 MiB). */
      segmentMaxBytes: z
        .number()
        .int()
        .min(1)
        .default(16 * 1024 ** 2),
      /** ... or once it holds this many entries; 0: no entry limit. */
      segmentMaxEntries: z.number().int().min(0).default(0),
      /** An exported segment is removed this long after its export (7 days). */
      removeExportedAfterSeconds: z
        .number()
        .int()
        .min(0)
        .default(7 * 86_400),
      /** Exported segments are removed early, oldest first, while more than this many are sealed; 0: no count limit. */
      maxSealedSegments: z.number().int().min(0).default(0),
    })
    .prefault({}),
  /** Limits on every DuckDB statement (dataset, analytics, file and scan tools). */
  sql: z
    .strictObject({
      timeoutSeconds: z.number().positive().default(SQL.timeoutSeconds),
      memoryLimitMb: z.number().int().min(16).default(SQL.memoryLimitMb),
      tempLimitMb: z.number().int().min(0).default(SQL.tempLimitMb),
      threads: z.number().int().min(1).max(256).default(SQL.threads),
      maxConcurrent: z.number().int().min(1).max(1024).default(SQL.maxConcurrent),
      maxPerIdentity: z.number().int().min(1).max(1024).default(SQL.maxPerIdentity),
    })
    .prefault({}),
})

export type RelayConfig = z.output<typeof configSchema>
export type RelayConfigInput = z.input<typeof configSchema>
