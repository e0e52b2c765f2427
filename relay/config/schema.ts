import { z } from 'zod'
import { DEFAULT_ROUTE_RULES } from '../../shared/constants.ts'
import { EXPOSURE_MODES } from '../../shared/manager/exposure.ts'

const port = z.number().int().min(0).max(65535)
const LOG_LEVELS = ['debug', 'info', 'warn', 'error', 'silent'] as const
export type RelayLogLevel = (typeof LOG_LEVELS)[number]

const routeRule = z.strictObject({
  match: z.string().min(1),
  runtime: z.enum(['local', 'p2p', 'auto', 'edge']).optional(),
  requiresP2P: z.boolean().optional(),
})

/** Every setting of a relay. Unknown keys are errors so that a typo is never ignored. */
export const configSchema = z.strictObject({
  host: z.string().min(1).default('127.0.0.1'),
  port: port.default(8000),
  p2pPort: port.default(8001),
  /** Run without the libp2p node: no P2P tasks, tools that need P2P say so. */
  disableP2p: z.boolean().default(false),
  dataDir: z.string().min(1).default('./.mcpp'),
  token: z.string().min(1).optional(),
  /** YAML file: identities (by token digest) and the tools each may call. */
  accessPolicy: z.string().min(1).optional(),
  bootstrapPeers: z.array(z.string().min(1)).default([]),
  expose: z.enum(EXPOSURE_MODES).default('meta'),
  exposeTools: z.array(z.string().min(1)).default([]),
  stateless: z.boolean().default(false),
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
})

export type RelayConfig = z.output<typeof configSchema>
export type RelayConfigInput = z.input<typeof configSchema>
