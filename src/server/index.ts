export {
  type AuthStore,
  type AuthStoreOptions,
  type KeyInfo,
  openAuthStore,
  type Principal,
} from './auth-store.ts';
export type { LiveFeed, LiveLimits, ServerApp, ServerLimits, ServerOptions } from './context.ts';
export { encodeRecords, parseNdjson, type RecordError } from './ingest.ts';
export { CLOSE_TRY_AGAIN_LATER } from './live.ts';
export { formatScope, parseScope, type Scope } from './scopes.ts';
export {
  createServer,
  LOCAL_ADMIN_KEY_NAME,
  type StartedServer,
  type StartServerOptions,
  startServer,
} from './server.ts';
