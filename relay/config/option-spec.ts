/** One row per setting that flags and env can set; `--help` and the loader both read it. */
export interface OptionSpec {
  /** Dotted config key, as in the YAML file. */
  key: string
  flag: string
  env: string
  kind: 'string' | 'int' | 'number' | 'bool' | 'list'
  help: string
}
