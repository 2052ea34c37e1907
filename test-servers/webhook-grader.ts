/**
 * A grading webhook as promptfoo's `webhook` assertion calls one, for tests: real HTTP on 127.0.0.1 (node:http
 * only). Every POST body is parsed as JSON and kept in `requests`; `answer` decides each reply: an object is
 * sent as JSON with status 200, `{ status, body }` as given (a string body as is), and 'hang' never answers
 * (until `close()`), for a grader's timeout.
 */
import { once } from 'node:events'
import { createServer, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

export type WebhookReply = Record<string, unknown> | { status: number; body: string } | 'hang'

export interface WebhookGrader {
  url: string
  requests: { headers: Record<string, string | string[] | undefined>; body: unknown }[]
  close(): Promise<void>
}

export async function startWebhookGrader(answer: (body: unknown) => WebhookReply): Promise<WebhookGrader> {
  const requests: WebhookGrader['requests'] = []
  const hanging = new Set<ServerResponse>()
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      let body: unknown
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8'))
      } catch {
        res.writeHead(400).end('not JSON')
        return
      }
      requests.push({ headers: req.headers, body })
      const reply = answer(body)
      if (reply === 'hang') {
        hanging.add(res)
      } else if ('status' in reply && typeof reply.status === 'number' && typeof reply.body === 'string') {
        res.writeHead(reply.status, { 'content-type': 'application/json' }).end(reply.body)
      } else {
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(reply))
      }
    })
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}/grade`,
    requests,
    async close() {
      for (const res of hanging) res.destroy()
      server.closeAllConnections()
      server.close()
      await once(server, 'close')
    },
  }
}
