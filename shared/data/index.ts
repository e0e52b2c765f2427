/**
 * Pure helpers for the dataset, analytics and vector tools: file formats, SQL text
 * and expression checks, pipelines, aggregates, metadata filters and fair slots.
 */
