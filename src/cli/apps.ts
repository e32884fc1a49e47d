/**
 * The apps `streamsight run` knows by name. An app module exports `default` (the App, made with
 * `defineApp`) and may export `simulators` (Simulator[]) and `report(read): Promise<string[]>` (status
 * lines, read from its views in the store: `read` is `ViewReader` of views/view-store.ts).
 * Any other module path works too: `streamsight run ./my-app.ts`.
 */

import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { StreamsightError } from '../errors/index.ts';

const BUILT_IN: Record<string, string> = {
  nexmark: new URL('../../apps/nexmark/app.ts', import.meta.url).href,
  'meetup-rsvp': new URL('../../apps/meetup-rsvp/app.ts', import.meta.url).href,
  'intrusion-detection': new URL('../../apps/intrusion-detection/app.ts', import.meta.url).href,
};

/** The apps `streamsight run` starts when given none. */
export const DEFAULT_APPS = ['nexmark', 'intrusion-detection', 'meetup-rsvp'];

export function builtInApps(): string[] {
  return Object.keys(BUILT_IN);
}

/** Resolves an app name or module path to an importable URL. */
export function appModule(nameOrPath: string): string {
  if (BUILT_IN[nameOrPath]) return BUILT_IN[nameOrPath];
  const path = resolve(nameOrPath);
  if (/\.(ts|js|mjs)$/.test(nameOrPath) && existsSync(path)) return pathToFileURL(path).href;
  throw new StreamsightError(
    'SS_ERR_APP_NOT_FOUND',
    `unknown app "${nameOrPath}": use one of ${builtInApps().join(', ')} or a path to an app module`,
  );
}
