export { EmbeddedLog, openEmbeddedLog } from './embedded-log.ts';
export { defaultEmbeddedLogOptions, type EmbeddedLogOptions } from './options.ts';
