/**
 * The runtime-agnostic core shared by the relay, the task workers (browser and Node)
 * and the pages: the tool model (tool/), the hierarchical manager (manager/), the
 * runtime router (router/), errors, tasks, their kinds and the task queue's pure
 * decisions (task/), workflows (workflow/), wire protocols (wire/), trust (trust/), data and text
 * helpers (data/, text/), security scans (security/) and the pure tools (tools/).
 *
 * No Node built-ins, DOM or Cloudflare APIs and nothing from relay/ (biome.json
 * enforces it); only the web-standard globals listed in web-globals.d.ts
 * (shared/tsconfig.json). An index.ts here describes its folder and exports nothing:
 * import the file that holds the concept.
 */
