export type BoundedBody = { ok: true; text: string } | { ok: false; tooLarge: true }

/**
 * Reads a request body as UTF-8, refusing more than `maxBytes`. A declared
 * Content-Length is checked before reading (Node's HTTP parser holds the body to that
 * length), which keeps @hono/node-server on its fast path that never builds a full
 * web Request; a chunked body is streamed and cut off at the limit.
 */
export async function readBoundedBody(req: Request, maxBytes: number): Promise<BoundedBody> {
  const declared = req.headers.get('content-length')
  if (declared !== null && !req.headers.has('transfer-encoding')) {
    if (Number(declared) > maxBytes) return { ok: false, tooLarge: true }
    return { ok: true, text: await req.text() }
  }
  if (req.body === null) return { ok: true, text: '' }
  const reader = req.body.getReader()
  const chunks: Uint8Array[] = []
  let size = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    size += value.byteLength
    if (size > maxBytes) {
      await reader.cancel('body too large')
      return { ok: false, tooLarge: true }
    }
    chunks.push(value)
  }
  return { ok: true, text: Buffer.concat(chunks).toString('utf8') }
}
