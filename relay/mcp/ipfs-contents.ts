import type { ReadResourceResult } from '@modelcontextprotocol/server'
import { fileTypeFromBuffer } from 'file-type'

const UTF8 = new TextDecoder('utf-8', { fatal: true })

/**
 * ipfs_cat's bytes as a resource: a format file-type recognises (by magic bytes) is a
 * blob of that type; other valid UTF-8 without NUL bytes is text; anything else is an
 * octet-stream blob.
 */
export async function ipfsContents(uri: string, output: unknown): Promise<ReadResourceResult['contents']> {
  const { content } = output as { content: string }
  const bytes = Buffer.from(content, 'base64')
  const magic = await fileTypeFromBuffer(bytes)
  if (magic) return [{ uri, mimeType: magic.mime, blob: content }]
  const text = utf8Text(bytes)
  if (text !== undefined) return [{ uri, mimeType: 'text/plain', text }]
  return [{ uri, mimeType: 'application/octet-stream', blob: content }]
}

function utf8Text(bytes: Uint8Array): string | undefined {
  if (bytes.includes(0)) return undefined
  try {
    return UTF8.decode(bytes)
  } catch {
    return undefined
  }
}
