/** The `dataset` category: tabular data in DuckDB, loaded from and saved to files or IPFS. */
import type { Datasets } from '../../datasets/datasets.ts'
import { datasetManageTools } from './manage.ts'
import { datasetRowTools } from './rows.ts'

export const DATASET_CATEGORY = {
  name: 'dataset',
  description:
    'Tabular datasets (DuckDB): load CSV/JSON/JSONL/Parquet by path or CID, schema, head, sample, SQL, pipelines, train/test split, save',
}

export function datasetTools(datasets: Datasets) {
  return { info: DATASET_CATEGORY, tools: [...datasetManageTools(datasets), ...datasetRowTools(datasets)] }
}
