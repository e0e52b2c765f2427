import { serveStatic } from '@hono/node-server/serve-static'
import { Hono } from 'hono'

const NOT_BUILT =
  'The MCP++ web pages are not built. Run `npm run build` (npm start does it for you), then reload.\n'

/**
 * The built pages: the dashboard at / and the contribute page at /contribute. They
 * are static files from dist/web (Vite output); without a build, the page routes say
 * how to make one instead of failing obscurely.
 */
export function pageRoutes(webRoot: string | undefined): Hono {
  const pages = new Hono()
  if (webRoot === undefined) {
    for (const path of ['/', '/contribute', '/contribute/'])
      pages.get(path, (ctx) => ctx.text(NOT_BUILT, 503))
    return pages
  }
  pages.get('/contribute', (ctx) => ctx.redirect('/contribute/', 301))
  pages.use('/*', serveStatic({ root: webRoot }))
  return pages
}
