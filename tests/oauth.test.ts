import { createHash } from 'node:crypto'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  base64url,
  type CryptoKey,
  exportJWK,
  generateKeyPair,
  type JWK,
  type JWTPayload,
  SignJWT,
} from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RunningRelay } from '../relay/relay.ts'
import { connectClient, errorMeta, initializeBody, rawPost, startTestRelay } from './helpers.ts'

const RESOURCE = 'https://mcp.example.test/mcp'
const METADATA = 'https://mcp.example.test/.well-known/oauth-protected-resource/mcp'
const KID = 'key-1'

/** A local authorization server: it publishes a JWKS and signs access tokens. */
interface Issuer {
  url: string
  jwksUrl: string
  sign(claims: JWTPayload, options?: { key?: CryptoKey; kid?: string; alg?: string }): Promise<string>
  close(): Promise<void>
}

async function startIssuer(): Promise<Issuer> {
  const { publicKey, privateKey } = await generateKeyPair('ES256')
  const jwk: JWK = { ...(await exportJWK(publicKey)), kid: KID, alg: 'ES256', use: 'sig' }
  const server = createServer((req, res) => {
    if (req.url !== '/jwks.json') {
      res.writeHead(404).end()
      return
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk] }))
  })
  const url = await listen(server)
  return {
    url,
    jwksUrl: `${url}/jwks.json`,
    sign: (claims, options = {}) =>
      new SignJWT({ sub: 'alice', iss: url, aud: RESOURCE, iat: now(), exp: now() + 300, ...claims })
        .setProtectedHeader({ alg: options.alg ?? 'ES256', kid: options.kid ?? KID, typ: 'at+jwt' })
        .sign(options.key ?? privateKey),
    close: () => close(server),
  }
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}

function close(server: Server): Promise<void> {
  server.closeAllConnections()
  return new Promise((resolve) => server.close(() => resolve()))
}

function policyFile(yaml: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'mcpp-oauth-')), 'policy.yaml')
  writeFileSync(path, yaml)
  return path
}

const sha = (text: string) => createHash('sha256').update(text).digest('hex')
const bearer = (token: string) => ({ authorization: `Bearer ${token}` })
const now = () => Math.floor(Date.now() / 1000)

let issuer: Issuer
let relay: RunningRelay

beforeAll(async () => {
  issuer = await startIssuer()
  const accessPolicy = policyFile(
    [
      'identities:',
      '  analyst:',
      '    subjects: [alice]',
      "    allow: ['text_*']",
      '  scripted:',
      `    tokenSha256: ${sha('script-token')}`,
      "    allow: ['cache_*']",
      'default:',
      "  allow: ['system_*']",
    ].join('\n'),
  )
  relay = await startTestRelay({
    token: 'operator-token',
    accessPolicy,
    auth: { oauth: { issuer: issuer.url, jwksUrl: issuer.jwksUrl, resource: RESOURCE } },
  })
})
afterAll(async () => {
  await relay?.close()
  await issuer?.close()
})

async function dispatch(headers: Record<string, string>, tool: string, params: Record<string, unknown>) {
  const client = await connectClient(relay.url, headers)
  try {
    return await client.callTool({ name: 'tools_dispatch', arguments: { tool, params } })
  } finally {
    await client.close()
  }
}

describe('Protected Resource Metadata (RFC 9728)', () => {
  it('is served at the path-suffixed and the root well-known URL, naming the issuer', async () => {
    for (const path of [
      '/.well-known/oauth-protected-resource/mcp',
      '/.well-known/oauth-protected-resource',
    ]) {
      const res = await fetch(`${relay.url}${path}`, { headers: { origin: 'https://inspector.example' } })
      expect(res.status).toBe(200)
      expect(res.headers.get('access-control-allow-origin')).toBe('*')
      expect(await res.json()).toEqual({
        resource: RESOURCE,
        authorization_servers: [issuer.url],
        bearer_methods_supported: ['header'],
        resource_name: 'MCP++ relay',
      })
    }
  })

  it('is pointed at by WWW-Authenticate on a 401 without a token, with no error code', async () => {
    const res = await rawPost(relay.url, initializeBody())
    expect(res.status).toBe(401)
    expect(res.headers.get('www-authenticate')).toBe(`Bearer realm="mcpp", resource_metadata="${METADATA}"`)
    expect(res.messages[0].error.code).toBe(-32000)
  })
})

describe('JWT access tokens', () => {
  it('accepts a valid token and maps its subject onto the policy identity', async () => {
    const token = await issuer.sign({})
    const allowed = await dispatch(bearer(token), 'text_hash', { text: 'abc', algorithm: 'md5' })
    expect((allowed.structuredContent as any).result.digest).toBe('900150983cd24fb0d6963f7d28e17f72')
    const denied = await dispatch(bearer(token), 'cache_stats', {})
    expect(errorMeta(denied).code).toBe('FORBIDDEN')
    const audit = relay.components.audit.query({ tool: 'text_hash', limit: 10, offset: 0 })
    expect(audit.entries.map((e) => e.identity)).toContain('analyst')
  })

  it('gives an unlisted subject the default rule under a jwt: identity', async () => {
    const token = await issuer.sign({ sub: 'mallory' })
    expect((await dispatch(bearer(token), 'system_health', {})).isError).toBeFalsy()
    expect(errorMeta(await dispatch(bearer(token), 'text_hash', { text: 'a' })).code).toBe('FORBIDDEN')
    const audit = relay.components.audit.query({ outcome: 'FORBIDDEN', limit: 50, offset: 0 })
    expect(audit.entries.map((e) => e.identity)).toContain('jwt:mallory')
  })

  it('accepts a token expired within the clock skew', async () => {
    const token = await issuer.sign({ exp: now() - 10 })
    expect((await rawPost(relay.url, initializeBody(), bearer(token))).status).toBe(200)
  })

  it('refuses each kind of bad token with 401 and error="invalid_token"', async () => {
    const { privateKey: otherKey } = await generateKeyPair('ES256')
    const payload = base64url.encode(
      JSON.stringify({ sub: 'alice', iss: issuer.url, aud: RESOURCE, exp: now() + 300 }),
    )
    const header = base64url.encode(JSON.stringify({ alg: 'none', typ: 'JWT' }))
    const hs256 = await new SignJWT({ sub: 'alice' })
      .setProtectedHeader({ alg: 'HS256', kid: KID })
      .setIssuer(issuer.url)
      .setAudience(RESOURCE)
      .setExpirationTime('5m')
      .sign(new TextEncoder().encode('a shared secret an attacker chose'))
    const bad: Record<string, string> = {
      'wrong audience': await issuer.sign({ aud: 'https://other.example/mcp' }),
      'wrong issuer': await issuer.sign({ iss: 'https://evil.example' }),
      expired: await issuer.sign({ exp: now() - 600 }),
      'not yet valid': await issuer.sign({ nbf: now() + 600 }),
      'bad signature': await issuer.sign({}, { key: otherKey }),
      'unknown kid': await issuer.sign({}, { key: otherKey, kid: 'key-2' }),
      'alg none': `${header}.${payload}.`,
      'HS256 (not an allowed algorithm)': hs256,
      'no subject': await issuer.sign({ sub: undefined } as unknown as JWTPayload),
      'not a JWT': 'definitely-not-a-jwt',
    }
    for (const [what, token] of Object.entries(bad)) {
      const res = await rawPost(relay.url, initializeBody(), bearer(token))
      expect({ what, status: res.status }).toEqual({ what, status: 401 })
      expect(res.headers.get('www-authenticate')).toBe(
        `Bearer realm="mcpp", resource_metadata="${METADATA}", error="invalid_token"`,
      )
    }
  })

  it('keeps the static tokens: the operator token and policy tokens', async () => {
    expect((await dispatch(bearer('operator-token'), 'cache_stats', {})).isError).toBeFalsy()
    expect((await dispatch(bearer('script-token'), 'cache_stats', {})).isError).toBeFalsy()
    expect(errorMeta(await dispatch(bearer('script-token'), 'text_hash', { text: 'a' })).code).toBe(
      'FORBIDDEN',
    )
  })
})

describe('metrics and status behind the token', () => {
  it('refuse anonymous callers while /healthz stays public', async () => {
    for (const path of ['/metrics', '/api/status']) {
      const anonymous = await fetch(`${relay.url}${path}`)
      expect(anonymous.status).toBe(401)
      expect(anonymous.headers.get('www-authenticate')).toContain('resource_metadata=')
      expect((await fetch(`${relay.url}${path}`, { headers: bearer('operator-token') })).status).toBe(200)
    }
    expect((await fetch(`${relay.url}/healthz`)).status).toBe(200)
    const p2p = await fetch(`${relay.url}/api/p2p`)
    expect(p2p.status).toBe(200)
    expect((await p2p.json()).p2p.peerId).toBe(relay.components.p2p.node?.peerId)
  })

  it('are public when configured so', async () => {
    const open = await startTestRelay({ token: 't0ken', auth: { publicMetrics: true, publicStatus: true } })
    try {
      expect((await fetch(`${open.url}/metrics`)).status).toBe(200)
      expect((await fetch(`${open.url}/api/status`)).status).toBe(200)
      expect((await rawPost(open.url, initializeBody())).status).toBe(401)
    } finally {
      await open.close()
    }
  })
})

describe('an unreachable issuer', () => {
  it('answers 503 with Retry-After when the JWKS endpoint is down, and keeps serving', async () => {
    const gone = createServer()
    const goneUrl = await listen(gone)
    await close(gone)
    const down = await startTestRelay({
      auth: { oauth: { issuer: issuer.url, jwksUrl: `${goneUrl}/jwks.json`, resource: RESOURCE } },
    })
    try {
      const res = await rawPost(down.url, initializeBody(), bearer(await issuer.sign({})))
      expect(res.status).toBe(503)
      expect(res.headers.get('retry-after')).toBe('5')
      expect((await fetch(`${down.url}/healthz`)).status).toBe(200)
    } finally {
      await down.close()
    }
  })

  it('bounds the wait on a JWKS endpoint that never answers', async () => {
    const sockets = new Set<Socket>()
    const silent = createServer(() => {})
    silent.on('connection', (socket) => sockets.add(socket))
    const silentUrl = await listen(silent)
    const hung = await startTestRelay({
      auth: {
        oauth: {
          issuer: issuer.url,
          jwksUrl: `${silentUrl}/jwks.json`,
          resource: RESOURCE,
          jwksTimeoutMs: 300,
        },
      },
    })
    try {
      const pending = rawPost(hung.url, initializeBody(), bearer(await issuer.sign({})))
      // While the JWKS fetch hangs, the relay answers others.
      expect((await fetch(`${hung.url}/healthz`)).status).toBe(200)
      const res = await pending
      expect(res.status).toBe(503)
      expect(res.messages[0].error.message).toMatch(/keys are unavailable/)
    } finally {
      await hung.close()
      for (const socket of sockets) socket.destroy()
      await close(silent)
    }
  })
})
