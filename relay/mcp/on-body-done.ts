/** Calls `done` once the response body has been fully sent or the client went away. */
export function onBodyDone(res: Response, done: () => void): Response {
  if (!res.body) {
    done()
    return res
  }
  let finished = false
  const finish = () => {
    if (finished) return
    finished = true
    done()
  }
  const reader = res.body.getReader()
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const chunk = await reader.read()
      if (chunk.done) {
        controller.close()
        finish()
      } else {
        controller.enqueue(chunk.value)
      }
    },
    cancel(reason) {
      finish()
      return reader.cancel(reason)
    },
  })
  return new Response(body, { status: res.status, statusText: res.statusText, headers: res.headers })
}
