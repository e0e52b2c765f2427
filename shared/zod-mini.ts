import { z } from 'zod/mini'

/**
 * `zod/mini` for the schemas the browser task worker and its compute contexts load
 * (the task and block protocols, the task kinds): the same checks as full `zod` at a
 * fraction of the bundle, which is what keeps the contribute page's worker scripts
 * within their budget (vite.config.ts). Full `zod` stays everywhere else.
 *
 * zod/mini loads no locale, so every issue would read "Invalid input"; these messages
 * reach peers (a reset stream's reason) and clients (a task's INVALID_INPUT message),
 * so the English one is set, giving the same text as full zod. It is zod's global
 * config, which full zod sets to English as well: setting it twice changes nothing.
 */
z.config(z.locales.en())

export { z }
