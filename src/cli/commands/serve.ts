/**
 * `streamsight serve [app...]`: the server alone — dashboard, ingest and query API, live channels —
 * for apps whose tasks run elsewhere (`streamsight worker` processes on Kafka). It runs no task: it
 * appends ingested records to the configured log, reads views from the configured store (PostgreSQL
 * when scaled out) and follows each app's `<app>.view-changes` topic for live rows. Any number of
 * servers can run side by side; they keep no state but the auth store.
 */

import { join } from 'node:path';
import { Command, Option } from 'commander';
import pino from 'pino';
import type { App } from '../../dataflow/app.ts';
import { loadAppModule } from '../../dataflow/workers.ts';
import type { Simulator } from '../../io/simulator.ts';
import { openAuthStore } from '../../server/auth-store.ts';
import { startServer } from '../../server/server.ts';
import { followViewChanges, type ViewChangeFollower } from '../../views/change-feed.ts';
import { appModule, DEFAULT_APPS } from '../apps.ts';
import { openConfiguredViewStore, parseCount } from '../config.ts';
import { configOf, openLog } from './shared.ts';

export function serveCommand(): Command {
  return new Command('serve')
    .description('serve the dashboard and API for apps whose tasks run in `streamsight worker` processes')
    .argument('[apps...]', 'app names or app module paths (default: the demo apps)')
    .addOption(new Option('--log <spec>', 'embedded or kafka://host:port[,host:port]').env('STREAMSIGHT_LOG'))
    .addOption(new Option('--port <port>', 'port (0: any free port)').default('4800').env('STREAMSIGHT_PORT'))
    .addOption(
      new Option('--host <host>', 'interface to listen on').default('127.0.0.1').env('STREAMSIGHT_HOST'),
    )
    .action(
      async (
        names: string[],
        opts: { port: string; host: string; simulators?: boolean },
        command: Command,
      ) => {
        const config = configOf(command);
        const port = parseCount(opts.port, '--port', 0, 65535);
        const apps: App[] = [];
        const simulators: Simulator[] = [];
        for (const name of names.length > 0 ? names : DEFAULT_APPS) {
          const { app, module } = await loadAppModule(appModule(name));
          apps.push(app);
          if (opts.simulators) simulators.push(...((module.simulators as Simulator[] | undefined) ?? []));
        }
        const log = await openLog(config);
        const viewStore = await openConfiguredViewStore(config);
        const authStore = openAuthStore({ path: join(config.dataDir, 'auth') });
        const followers = new Map<string, ViewChangeFollower>();
        const stopSimulators = new AbortController();
        const simulations: Promise<void>[] = [];
        const stopped = new Promise<void>((resolve) => {
          process.once('SIGINT', resolve);
          process.once('SIGTERM', resolve);
        });
        try {
          for (const app of apps) {
            for (const view of app.views.keys()) await viewStore.ensureView({ app: app.name, name: view });
            followers.set(
              app.name,
              await followViewChanges(app, log, {
                onError: (err) => void process.stderr.write(`view changes of ${app.name}: ${err.message}\n`),
              }),
            );
          }
          const server = await startServer({
            log,
            // No task runs here: the pipelines page shows them as they run in the workers' metrics only.
            apps: apps.map((app) => ({ app, metrics: () => [] })),
            viewStore,
            materializers: followers,
            authStore,
            dev: true,
            port,
            host: opts.host,
            infoFile: join(config.dataDir, 'server.json'),
            logger: pino({ level: process.env.STREAMSIGHT_LOG_LEVEL ?? 'warn' }, pino.destination(2)),
          });
          process.stdout.write(`dashboard: ${server.url}  admin key: ${server.adminKey}\n`);
          for (const s of simulators) {
            simulations.push(
              s
                .run(log, { signal: stopSimulators.signal })
                .catch((err) => void process.stderr.write(`simulator ${s.name}: ${err.message}\n`)),
            );
          }
          await stopped;
          await server.close();
        } finally {
          stopSimulators.abort();
          await Promise.all(simulations);
          await Promise.allSettled([...followers.values()].map((f) => f.close()));
          await viewStore.close();
          await authStore.close();
          await log.close();
        }
      },
    );
}
