/** The model store: every version of every named model, with its metrics and bytes. */

export { LmdbModelStore, type LmdbModelStoreOptions, openLmdbModelStore } from './lmdb-model-store.ts';
export {
  checkModelName,
  checkModelVersion,
  checkStoredModel,
  type ModelStore,
  type ModelVersionInfo,
  type StoredModel,
} from './model-store.ts';
export { modelStoreSink } from './model-store-sink.ts';
export {
  openPostgresModelStore,
  PostgresModelStore,
  type PostgresModelStoreOptions,
} from './postgres-model-store.ts';
