import { MAX_SUGGESTIONS } from '../constants.ts'
import { McppError } from '../errors.ts'
import { suggestTools } from './suggest-tools.ts'
import { type SearchHit, ToolSearchIndex } from './tool-search.ts'
import type { CategoryInfo, Tool } from './types.ts'

export interface CategorySummary extends CategoryInfo {
  toolCount: number
}

/**
 * The one registry of tools. The MCP listing, the catalogue API, the meta-tools and the
 * docs are all views of it.
 */
export class ToolRegistry {
  private readonly tools = new Map<string, Tool>()
  private readonly categoryInfo = new Map<string, CategoryInfo>()
  private searchIndex: ToolSearchIndex | undefined

  addCategory(info: CategoryInfo): void {
    if (this.categoryInfo.has(info.name)) throw new Error(`category "${info.name}" is already registered`)
    this.categoryInfo.set(info.name, info)
  }

  register(...tools: Tool[]): void {
    for (const tool of tools) {
      if (this.tools.has(tool.name)) throw new Error(`tool "${tool.name}" is already registered`)
      if (!this.categoryInfo.has(tool.category)) {
        throw new Error(`tool "${tool.name}" names unknown category "${tool.category}"`)
      }
      this.tools.set(tool.name, tool)
    }
    this.searchIndex = undefined
  }

  get(name: string): Tool | undefined {
    return this.tools.get(name)
  }

  /** Looks a tool up or throws UNKNOWN_TOOL with the closest names as suggestions. */
  require(name: string): Tool {
    const tool = this.tools.get(name)
    if (tool) return tool
    const suggestions = this.suggest(name)
    const hint = suggestions.length > 0 ? ` Did you mean: ${suggestions.join(', ')}?` : ''
    throw new McppError('UNKNOWN_TOOL', `unknown tool "${name}".${hint}`, { suggestions })
  }

  /**
   * Tools close to an unknown `name` in spelling or in meaning (suggest-tools.ts),
   * among those `visible` lets through (the caller's, under the access policy).
   */
  suggest(name: string, visible: (tool: Tool) => boolean = () => true): string[] {
    const candidates = this.all()
      .filter(visible)
      .map((t) => t.name)
    return suggestTools(name, candidates, this.index().searchEvery(name, this.tools.size), MAX_SUGGESTIONS)
  }

  all(): Tool[] {
    return [...this.tools.values()]
  }

  /** The tools of one category; an unknown category is an error listing the valid ones. */
  inCategory(category: string): Tool[] {
    if (!this.categoryInfo.has(category)) {
      const valid = [...this.categoryInfo.keys()].sort()
      throw new McppError('UNKNOWN_CATEGORY', `unknown category "${category}"; valid: ${valid.join(', ')}`, {
        validCategories: valid,
      })
    }
    return this.all().filter((t) => t.category === category)
  }

  categories(): CategorySummary[] {
    const counts = new Map<string, number>()
    for (const tool of this.tools.values()) counts.set(tool.category, (counts.get(tool.category) ?? 0) + 1)
    return [...this.categoryInfo.values()]
      .map((c) => ({ ...c, toolCount: counts.get(c.name) ?? 0 }))
      .sort((a, b) => a.name.localeCompare(b.name))
  }

  search(query: string, limit: number, category?: string): SearchHit[] {
    return this.index().search(query, limit, category)
  }

  private index(): ToolSearchIndex {
    this.searchIndex ??= new ToolSearchIndex(this.tools.values())
    return this.searchIndex
  }
}
