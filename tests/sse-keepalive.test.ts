import { describe, expect, it } from 'vitest'
import { rawSession, startTestRelay } from './helpers.ts'

describe('SSE keep-alive', () => {
  it('sends keep-alive comments on an idle GET stream', async () => {
    const relay = await startTestRelay({ keepAliveSeconds: 0.02 })
    try {
      const sid = await rawSession(relay.url)
      const res = await fetch(`${relay.url}/mcp`, {
        headers: { accept: 'text/event-stream', 'mcp-session-id': sid, 'mcp-protocol-version': '2025-11-25' },
      })
      expect(res.status).toBe(200)
      expect(res.headers.get('content-type')).toContain('text/event-stream')
      const reader = (res.body as ReadableStream<Uint8Array>).getReader()
      const decoder = new TextDecoder()
      let seen = ''
      while (!seen.includes(': keepalive')) {
        const { value, done } = await reader.read()
        if (done) break
        seen += decoder.decode(value)
      }
      await reader.cancel()
      expect(seen).toContain(': keepalive\n\n')
    } finally {
      await relay.close()
    }
  })
})
