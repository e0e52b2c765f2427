import { OPTIONS } from './options.ts'

/** `--help`: every flag with its env variable, generated from the option table. */
export function helpText(version: string): string {
  const rows = OPTIONS.map((o) => {
    const flag = `--${o.flag}${o.kind === 'bool' ? '' : ' <value>'}`
    return `  ${flag.padEnd(30)} ${o.env.padEnd(26)} ${o.help}`
  })
  return [
    `mcpp relay ${version}: MCP gateway (Streamable HTTP at /mcp)`,
    '',
    'Usage: npx mcpp [options]   (or: npm start -- [options]; --stdio serves MCP over stdio)',
    '',
    `  ${'flag'.padEnd(30)} ${'environment'.padEnd(26)} meaning`,
    `  ${'--config <file>'.padEnd(30)} ${'MCPP_CONFIG'.padEnd(26)} YAML file with any of the keys below`,
    ...rows,
    `  ${'--help'.padEnd(30)} ${''.padEnd(26)} Show this text`,
    `  ${'--version'.padEnd(30)} ${''.padEnd(26)} Print the version`,
    '',
    'Precedence: flags > environment > config file > defaults.',
    'Config file keys are the camelCase names: host, port, p2pPort, disableP2p, dataDir, token, accessPolicy, bootstrapPeers,',
    'expose, exposeTools, stateless, sessionIdleSeconds, maxBodyBytes, keepAliveSeconds,',
    'allowedHosts, allowedOrigins, logLevel, and router: { fallback, rules: [{ match, runtime, requiresP2P }] }.',
    'A bad key or value stops start-up with a message naming it.',
  ].join('\n')
}
