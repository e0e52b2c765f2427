/** The `dataset` category: tabular data in DuckDB, loaded from and saved to files or IPFS. */
import type { ToolCategory } from '../../../shared/tool/types.ts'
import type { ToolDeps } from '../tool-deps.ts'
import { datasetManageTools } from './manage.ts'
import { datasetRowTools } from './rows.ts'

export const DATASET_CATEGORY = {
  name: 'dataset',
  description:
    'Tabular datasets (DuckDB): load CSV/JSON/JSONL/Parquet by path or CID, schema, head, sample, SQL, pipelines, train/test split, save',
}

export type DatasetToolDeps = Pick<ToolDeps, 'datasets'>

export function datasetTools({ datasets }: DatasetToolDeps): ToolCategory {
  return { info: DATASET_CATEGORY, tools: [...datasetManageTools(datasets), ...datasetRowTools(datasets)] }
}
