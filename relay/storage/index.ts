/**
 * The data directory's disk (issue 16): what counts as a full disk and how it is
 * answered (STORAGE_FULL naming the store), the audit gate that keeps state-changing
 * calls from running unaudited, the guard that lets background writes wait instead of
 * ending the relay, free space for /readyz, and store sizes and rows for /metrics.
 */
export { AuditGate } from './audit-gate.ts'
export { buildStorage, type RelayStorage, type StorageInit } from './build-storage.ts'
export { DataDisk, type DiskReading } from './data-disk.ts'
export { FullDiskGuard } from './full-disk-guard.ts'
export { asStorageFull, isStorageFull, storageFullError } from './storage-full.ts'
export { registerStorageMetrics, type StorageMetricsInit, type StoreRows } from './storage-metrics.ts'
export { SIZE_WALK_INTERVAL_MS, StoreSizes } from './store-sizes.ts'
export { OTHER_STORE, STORES, type StoreLayout, storeOfCategory, storeOfEntry } from './stores.ts'
