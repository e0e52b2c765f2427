import { build } from 'vite'

/** Builds the pages once (dist/web) so relays under test serve what users get. */
export default async function setup(): Promise<void> {
  await build({ configFile: new URL('../vite.config.ts', import.meta.url).pathname, logLevel: 'warn' })
}
