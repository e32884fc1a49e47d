/** `streamsight rules add <file.json> --app X`, `rules list --app X [--json]`, `rules remove <id> --app X`. */

import { readFile } from 'node:fs/promises';
import { Command } from 'commander';
import { addRule, listRules, removeRule } from '../../cep/index.ts';
import { isStreamsightError, StreamsightError } from '../../errors/index.ts';
import { configOf, openLog, printTable } from './shared.ts';

const APP = /^[A-Za-z0-9][A-Za-z0-9_-]{0,99}$/;

function appOf(app: string): string {
  if (!APP.test(app)) {
    throw new StreamsightError(
      'SS_ERR_INVALID_ARGUMENT',
      `--app: expected an app name matching ${APP}, got ${JSON.stringify(app)}`,
    );
  }
  return app;
}

export function rulesCommand(): Command {
  const rules = new Command('rules').description('add, list and remove the CEP rules of a running app');

  rules
    .command('add')
    .description('validate a rule (JSON, see docs/cep.md) and activate it; matches go to <app>.alerts.<id>')
    .argument('<file>', 'the rule as a JSON file')
    .requiredOption('--app <app>', 'the app')
    .action(async (file: string, opts: { app: string }, command: Command) => {
      const app = appOf(opts.app);
      let rule: unknown;
      try {
        rule = JSON.parse(await readFile(file, 'utf8'));
      } catch (err) {
        throw new StreamsightError('SS_ERR_INVALID_ARGUMENT', `${file}: ${(err as Error).message}`, {
          cause: err,
        });
      }
      const log = await openLog(configOf(command));
      try {
        const added = await addRule(log, app, rule);
        process.stdout.write(`rule ${added.id} added to ${app}; alerts on ${app}.alerts.${added.id}\n`);
      } catch (err) {
        if (!isStreamsightError(err, 'SS_ERR_INVALID_RULE')) throw err;
        throw new StreamsightError(
          'SS_ERR_INVALID_ARGUMENT',
          `${file}: ${err.message} (SS_ERR_INVALID_RULE)`,
          {
            cause: err,
            details: err.details,
          },
        );
      } finally {
        await log.close();
      }
    });

  rules
    .command('list')
    .description('the active rules of an app')
    .requiredOption('--app <app>', 'the app')
    .option('--json', 'print the rules as JSON')
    .action(async (opts: { app: string; json?: boolean }, command: Command) => {
      const app = appOf(opts.app);
      const log = await openLog(configOf(command));
      try {
        const list = await listRules(log, app);
        if (opts.json) {
          process.stdout.write(`${JSON.stringify(list)}\n`);
          return;
        }
        const rows: Array<Array<string | number>> = [['ID', 'STEPS', 'WITHIN', 'ALERTS', 'DESCRIPTION']];
        for (const r of list) {
          rows.push([
            r.id,
            r.steps.map((s) => (s.absent ? `!${s.name}` : s.name)).join(' → '),
            String(r.within ?? '∞'),
            `${app}.alerts.${r.id}`,
            r.description ?? '',
          ]);
        }
        printTable(rows);
      } finally {
        await log.close();
      }
    });

  rules
    .command('remove')
    .description('deactivate a rule (its alert topic stays)')
    .argument('<id>', 'the rule id')
    .requiredOption('--app <app>', 'the app')
    .action(async (id: string, opts: { app: string }, command: Command) => {
      const app = appOf(opts.app);
      const log = await openLog(configOf(command));
      try {
        await removeRule(log, app, id);
        process.stdout.write(`rule ${id} removed from ${app}\n`);
      } finally {
        await log.close();
      }
    });
  return rules;
}
