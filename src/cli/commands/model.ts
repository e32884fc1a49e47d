/**
 * `streamsight model train|evaluate|list`: train a learner on a CSV or JSON-lines file, evaluate a
 * stored model on another file, and list the model store (`<data-dir>/models`).
 *
 * Files are streamed, never loaded whole: training is online (`learnOne` per row, after predicting
 * it, so the stored metrics are the prequential metrics of the training run), and evaluation
 * predicts each row with the stored model without learning (a holdout evaluation). How a row becomes
 * an example is a `RowMapping`; `train` builds it from `--label` and `--features` and stores both
 * with the model, so `evaluate` maps rows of the other file the same way.
 *
 * Apps bring their own mapping: with `--app <name>`, the app module's `model` export (`AppModel`)
 * supplies the columns of its headerless files, the label, the features and the learner, and the
 * model is stored under the app's name with `info.app`, so `evaluate` rebuilds the same mapping.
 */

import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { Command, Option } from 'commander';
import { parse } from 'csv-parse';
import { jsonCodec } from '../../dataflow/codec.ts';
import { loadAppModule } from '../../dataflow/workers.ts';
import { isStreamsightError, StreamsightError } from '../../errors/index.ts';
import { startProgressBar } from '../../io/progress-bar.ts';
import { castDecimal } from '../../io/record-fields.ts';
import { GaussianNaiveBayes } from '../../ml/bayes/gaussian-naive-bayes.ts';
import { snapshotMetrics } from '../../ml/dataflow/metrics-snapshot.ts';
import { PrequentialMetrics } from '../../ml/dataflow/prequential-metrics.ts';
import { deserialize, type Features, type Label, type Learner } from '../../ml/learner.ts';
import { LogisticRegression } from '../../ml/linear/logistic-regression.ts';
import { ClassificationMetrics } from '../../ml/metrics/classification-metrics.ts';
import {
  checkModelName,
  checkModelVersion,
  type ModelStore,
  openLmdbModelStore,
} from '../../ml/store/index.ts';
import { HoeffdingTree } from '../../ml/trees/hoeffding-tree.ts';
import { appModule } from '../apps.ts';
import type { Config } from '../config.ts';
import { parseCount } from '../config.ts';
import { configOf, openLog, printTable } from './shared.ts';

/** The learners `train` offers, by `--learner` name. */
const LEARNERS: Record<string, () => Learner> = {
  'hoeffding-tree': () => new HoeffdingTree(),
  'logistic-regression': () => new LogisticRegression(),
  'naive-bayes': () => new GaussianNaiveBayes(),
};

type Format = 'csv' | 'jsonl';
type Row = Record<string, unknown>;

/**
 * How a file row becomes an example, and how to describe that mapping so it can be stored with the
 * model and rebuilt for `evaluate`.
 *
 * @example
 * const mapping = mappingFromFlags('class', ['duration', 'protocol']);
 * mapping.features({ duration: 3, protocol: 'tcp', class: 'normal' }); // { duration: 3, protocol: 'tcp' }
 */
export interface RowMapping {
  features(row: Row): Features;
  /** The row's class; undefined when the row has none (it is skipped). */
  label(row: Row): Label | undefined;
  /** What is stored in the model's `info`: the label field and the feature fields (null: all others). */
  readonly fields: { label: string; features: string[] | null };
}

/**
 * The mapping given by `--label` and `--features`: the named fields (numbers and strings; other
 * values count as missing), or with no list every field but the label.
 *
 * @example
 * mappingFromFlags('y').features({ a: 1, b: 'x', y: 0 }); // { a: 1, b: 'x' }
 */
export function mappingFromFlags(label: string, features: string[] | null): RowMapping {
  return {
    fields: { label, features },
    label(row) {
      const y = row[label];
      return (typeof y === 'string' && y !== '') || (typeof y === 'number' && Number.isFinite(y))
        ? y
        : undefined;
    },
    features(row) {
      const x: Features = {};
      for (const name of features ?? Object.keys(row)) {
        if (name === label) continue;
        const v = row[name];
        if (typeof v === 'number' || typeof v === 'string') x[name] = v;
      }
      return x;
    },
  };
}

/**
 * What an app module exports as `model` for `streamsight model train|evaluate --app <name>`.
 *
 * @example
 * export const model: AppModel = {
 *   columns: ['duration', 'protocol_type', ..., 'attack', 'difficulty'],
 *   format: 'csv',
 *   label: (row) => classOf(row.attack),
 *   features: (row) => ({ duration: row.duration, protocol_type: row.protocol_type }),
 *   learner: () => new HoeffdingAdaptiveTree(),
 *   learnerName: 'hoeffding-adaptive-tree',
 * };
 */
export interface AppModel {
  /** Column names of the app's CSV files when they have no header line. */
  columns?: readonly string[];
  /** The app's file format, used when --format is not given. */
  format?: Format;
  label(row: Row): Label | undefined;
  features(row: Row): Features;
  /** A fresh learner. */
  learner(): Learner;
  /** The learner's name, recorded with the model. */
  learnerName: string;
}

/** Loads and checks the `model` export of a built-in app or app module (SS_ERR_INVALID_ARGUMENT). */
export async function loadAppModel(app: string): Promise<AppModel> {
  const { module } = await loadAppModule(appModule(app));
  const m = module.model as Partial<AppModel> | undefined;
  const bad = (why: string): never => {
    throw new StreamsightError('SS_ERR_INVALID_ARGUMENT', `--app ${app}: ${why}`, { details: { app } });
  };
  if (m === null || typeof m !== 'object')
    return bad('the app exports no `model` (label, features, learner)');
  for (const f of ['label', 'features', 'learner'] as const) {
    if (typeof m[f] !== 'function') bad(`its model.${f} must be a function`);
  }
  if (typeof m.learnerName !== 'string' || m.learnerName === '') bad('its model.learnerName must be a name');
  if (
    m.columns !== undefined &&
    !(Array.isArray(m.columns) && m.columns.every((c) => typeof c === 'string'))
  ) {
    bad('its model.columns must be an array of column names');
  }
  if (m.format !== undefined && m.format !== 'csv' && m.format !== 'jsonl')
    bad("its model.format must be 'csv' or 'jsonl'");
  return m as AppModel;
}

/** The mapping of an app's model (its `fields` are not stored: the model records `info.app` instead). */
function mappingFromApp(m: AppModel): RowMapping {
  return {
    fields: { label: '', features: null },
    label: (row) => m.label(row),
    features: (row) => m.features(row),
  };
}

export function modelCommand(): Command {
  const model = new Command('model').description('train, evaluate and list models in the model store');

  model
    .command('train')
    .description('train a learner on a CSV or JSON-lines file and store it as a new version')
    .addOption(
      new Option('--learner <learner>', 'the learner (required without --app)').choices(
        Object.keys(LEARNERS),
      ),
    )
    .option('--app <app>', "use the app's feature mapping and learner (e.g. intrusion-detection)")
    .option('--file <file>', 'the training file (or --topic)')
    .addOption(
      new Option('--format <format>', 'file format (default: from the extension)').choices(['csv', 'jsonl']),
    )
    .option('--topic <topic>', 'train on the JSON records of a topic instead of a file')
    .option('--from-offset <n>', 'with --topic: first offset of each partition (default: its start)')
    .option('--to-offset <n>', 'with --topic: stop before this offset in each partition (default: its end)')
    .option('--label <field>', 'the field holding the class (required without --app)')
    .option('--features <fields>', 'comma-separated feature fields (default: every field but the label)')
    .option('--name <name>', 'model name (default: the app, file or topic name)')
    .action(async (flags: TrainFlags, command: Command) => {
      if (flags.app !== undefined) {
        for (const f of ['learner', 'label', 'features'] as const) {
          if (flags[f] !== undefined) {
            throw new StreamsightError(
              'SS_ERR_INVALID_ARGUMENT',
              `--${f} does not go with --app: the app defines it`,
            );
          }
        }
      } else {
        if (flags.learner === undefined)
          throw new StreamsightError('SS_ERR_INVALID_ARGUMENT', 'give --learner (or --app)');
        if (flags.label === undefined)
          throw new StreamsightError('SS_ERR_INVALID_ARGUMENT', 'give --label (or --app)');
      }
      const appModel = flags.app === undefined ? undefined : await loadAppModel(flags.app);
      const features = flags.features === undefined ? null : parseFieldList(flags.features);
      const source = sourceOf(flags, appModel);
      const name = argument(() => checkModelName(flags.name ?? flags.app ?? source.defaultName));
      const mapping =
        appModel === undefined ? mappingFromFlags(flags.label!, features) : mappingFromApp(appModel);
      const learner = appModel === undefined ? LEARNERS[flags.learner!]() : appModel.learner();
      const learnerName = appModel === undefined ? flags.learner! : appModel.learnerName;
      const config = configOf(command);
      const store = openStore(config);
      try {
        const metrics = new PrequentialMetrics(1000);
        const started = performance.now();
        const counts = await forEachSourceRow(source, config, (row) => {
          const y = mapping.label(row);
          if (y === undefined) return false;
          const x = mapping.features(row);
          const predicted = learner.predictOne(x);
          if (predicted !== undefined) metrics.update(y, predicted);
          learner.learnOne(x, y);
          return true;
        });
        const version = ((await store.latest(name))?.version ?? 0) + 1;
        const seconds = (performance.now() - started) / 1000;
        await store.put({
          name,
          version,
          kind: learner.toJSON().kind,
          createdAt: Date.now(),
          metrics: { ...metrics.report() },
          info: {
            learner: learnerName,
            ...(flags.app === undefined ? mapping.fields : { app: flags.app }),
            ...source.describe,
            examples: counts.used,
            unlabelled: counts.skipped,
            malformed: counts.malformed,
          },
          model: learner.serialize(),
        });
        const accuracy = metrics.report().cumulative.accuracy;
        process.stdout.write(
          `model ${name} v${version}: ${learnerName} trained on ${counts.used} examples in ${seconds.toFixed(2)} s` +
            `, prequential accuracy ${accuracy === null ? 'n/a' : accuracy.toFixed(4)}` +
            `; ${counts.skipped} rows without a label, ${counts.malformed} malformed\n`,
        );
      } finally {
        await store.close();
      }
    });

  model
    .command('evaluate')
    .description('evaluate a stored model on a labelled file (predict only, no learning)')
    .option('--name <name>', 'model name (default: the --app name)')
    .option('--app <app>', "evaluate a model trained with --app (default name: the app's)")
    .option('--model-version <n>', 'model version (default: the latest)')
    .option('--file <file>', 'the evaluation file (or --topic)')
    .addOption(
      new Option('--format <format>', 'file format (default: from the extension)').choices(['csv', 'jsonl']),
    )
    .option('--topic <topic>', 'evaluate on the JSON records of a topic instead of a file')
    .option('--from-offset <n>', 'with --topic: first offset of each partition (default: its start)')
    .option('--to-offset <n>', 'with --topic: stop before this offset in each partition (default: its end)')
    .option('--json', 'print the metrics as JSON')
    .action(async (flags: EvaluateFlags, command: Command) => {
      if (flags.name === undefined && flags.app === undefined) {
        throw new StreamsightError('SS_ERR_INVALID_ARGUMENT', 'give --name (or --app)');
      }
      const name = argument(() => checkModelName(flags.name ?? flags.app!));
      const version =
        flags.modelVersion === undefined
          ? undefined
          : parseCount(flags.modelVersion, '--model-version', 1, Number.MAX_SAFE_INTEGER);
      const config = configOf(command);
      const store = openStore(config);
      try {
        const stored =
          version === undefined
            ? await store.latest(name)
            : await store.get(name, checkModelVersion(version));
        if (stored === undefined) {
          throw new StreamsightError(
            'SS_ERR_MODEL_NOT_FOUND',
            `no model ${name}${version === undefined ? '' : ` v${version}`} in the model store`,
            { details: { name, version } },
          );
        }
        const fields = stored.info as { label?: unknown; features?: unknown; app?: unknown };
        const app = typeof fields.app === 'string' ? fields.app : undefined;
        if (flags.app !== undefined && flags.app !== app) {
          throw new StreamsightError(
            'SS_ERR_INVALID_ARGUMENT',
            `model ${name} v${stored.version} was not trained with --app ${flags.app}`,
            { details: { name, app: flags.app, trainedWith: app ?? null } },
          );
        }
        if (app === undefined && typeof fields.label !== 'string') {
          throw new StreamsightError(
            'SS_ERR_INVALID_ARGUMENT',
            `model ${name} v${stored.version} was not trained from a file (no label field stored)`,
          );
        }
        const appModel = app === undefined ? undefined : await loadAppModel(app);
        const source = sourceOf(flags, appModel);
        const mapping =
          app === undefined
            ? mappingFromFlags(
                fields.label as string,
                Array.isArray(fields.features) ? fields.features : null,
              )
            : mappingFromApp(appModel!);
        const learner = deserialize(stored.model) as Learner;
        const metrics = new ClassificationMetrics();
        let unscored = 0;
        const counts = await forEachSourceRow(source, config, (row) => {
          const y = mapping.label(row);
          if (y === undefined) return false;
          const predicted = learner.predictOne(mapping.features(row));
          if (predicted === undefined) unscored++;
          else metrics.update(y, predicted);
          return true;
        });
        const result = {
          name,
          version: stored.version,
          kind: stored.kind,
          ...snapshotMetrics(metrics.cumulative),
          examples: counts.used,
          unscored,
          unlabelled: counts.skipped,
          malformed: counts.malformed,
        };
        if (flags.json) {
          process.stdout.write(`${JSON.stringify(result)}\n`);
          return;
        }
        const fmt = (x: number | null) => (x === null ? 'n/a' : x.toFixed(4));
        process.stdout.write(
          `model ${name} v${stored.version} (${stored.kind}) on ${counts.used} examples: accuracy ${fmt(result.accuracy)}, κ ${fmt(result.kappa)}, macro F1 ${fmt(result.macroF1)}\n`,
        );
        const rows: Array<Array<string | number>> = [['CLASS', 'PRECISION', 'RECALL', 'F1', 'SUPPORT']];
        for (const [label, c] of Object.entries(result.classes)) {
          rows.push([label, fmt(c.precision), fmt(c.recall), fmt(c.f1), c.support]);
        }
        printTable(rows);
        const { labels, matrix } = result.confusionMatrix;
        process.stdout.write('confusion matrix (rows: true class, columns: predicted)\n');
        printTable([['', ...labels.map(String)], ...matrix.map((r, i) => [String(labels[i]), ...r])]);
      } finally {
        await store.close();
      }
    });

  model
    .command('list')
    .description('list the stored models and their versions')
    .option('--name <name>', 'only this model')
    .option('--json', 'print JSON')
    .action(async (flags: { name?: string; json?: boolean }, command: Command) => {
      const name = flags.name === undefined ? undefined : argument(() => checkModelName(flags.name!));
      const store = openStore(configOf(command));
      try {
        const versions = await store.list(name);
        if (flags.json) {
          process.stdout.write(`${JSON.stringify(versions)}\n`);
          return;
        }
        const rows: Array<Array<string | number>> = [
          ['NAME', 'VERSION', 'KIND', 'CREATED', 'EXAMPLES', 'ACCURACY'],
        ];
        for (const v of versions) {
          const cumulative = (v.metrics as { cumulative?: { accuracy?: number | null } }).cumulative;
          rows.push([
            v.name,
            v.version,
            v.kind,
            new Date(v.createdAt).toISOString(),
            String(v.info.examples ?? ''),
            typeof cumulative?.accuracy === 'number' ? cumulative.accuracy.toFixed(4) : '',
          ]);
        }
        printTable(rows);
      } finally {
        await store.close();
      }
    });
  return model;
}

interface SourceFlags {
  file?: string;
  format?: Format;
  topic?: string;
  fromOffset?: string;
  toOffset?: string;
}

interface TrainFlags extends SourceFlags {
  learner?: string;
  app?: string;
  label?: string;
  features?: string;
  name?: string;
}

interface EvaluateFlags extends SourceFlags {
  name?: string;
  app?: string;
  modelVersion?: string;
  json?: boolean;
}

/** Where rows come from: a file, or a range of a topic's records (JSON values). */
type Source =
  | {
      kind: 'file';
      path: string;
      format: Format;
      /** CSV column names for files without a header (from an app's model). */
      columns?: readonly string[];
      defaultName: string;
      describe: Record<string, unknown>;
    }
  | {
      kind: 'topic';
      topic: string;
      from: number;
      to: number;
      defaultName: string;
      describe: Record<string, unknown>;
    };

/** Exactly one of --file and --topic; offsets only with --topic. */
function sourceOf(flags: SourceFlags, app?: AppModel): Source {
  if ((flags.file === undefined) === (flags.topic === undefined)) {
    throw new StreamsightError('SS_ERR_INVALID_ARGUMENT', 'give either --file or --topic (exactly one)');
  }
  if (flags.file !== undefined) {
    if (flags.fromOffset !== undefined || flags.toOffset !== undefined) {
      throw new StreamsightError('SS_ERR_INVALID_ARGUMENT', '--from-offset and --to-offset go with --topic');
    }
    const format = flags.format ?? app?.format ?? formatOf(flags.file, undefined);
    return {
      kind: 'file',
      path: flags.file,
      format,
      columns: format === 'csv' ? app?.columns : undefined,
      defaultName: basename(flags.file, extname(flags.file)),
      describe: { file: basename(flags.file), format },
    };
  }
  const topic = flags.topic!;
  const from =
    flags.fromOffset === undefined
      ? 0
      : parseCount(flags.fromOffset, '--from-offset', 0, Number.MAX_SAFE_INTEGER);
  const to =
    flags.toOffset === undefined
      ? Number.POSITIVE_INFINITY
      : parseCount(flags.toOffset, '--to-offset', 0, Number.MAX_SAFE_INTEGER);
  return {
    kind: 'topic',
    topic,
    from,
    to,
    defaultName: topic,
    describe: { topic, fromOffset: from, toOffset: Number.isFinite(to) ? to : null },
  };
}

async function forEachSourceRow(
  source: Source,
  config: Config,
  onRow: (row: Row) => boolean,
): Promise<RowCounts> {
  return source.kind === 'file'
    ? forEachRow(source.path, source.format, onRow, source.columns)
    : forEachTopicRow(config, source.topic, source.from, source.to, onRow);
}

/**
 * Streams the JSON records of a topic, partition by partition, offsets [from, to) of each, into
 * `onRow`. Records that are not JSON objects are reported (the first few) and skipped.
 */
async function forEachTopicRow(
  config: Config,
  topic: string,
  from: number,
  to: number,
  onRow: (row: Row) => boolean,
): Promise<RowCounts> {
  const counts: RowCounts = { used: 0, skipped: 0, malformed: 0 };
  const log = await openLog(config);
  try {
    const d = await log.describeTopic(topic);
    const ranges = d.partitions.map((p) => [
      p.partition,
      Math.max(p.startOffset, from),
      Math.min(p.endOffset, to),
    ]);
    const total = ranges.reduce((n, [, a, b]) => n + Math.max(0, b - a), 0);
    const bar = process.stderr.isTTY ? await startProgressBar(total, READING) : undefined;
    let read = 0;
    for (const [partition, start, end] of ranges) {
      for (let offset = start; offset < end; ) {
        const r = await log.fetch(topic, partition, offset, { maxRecords: Math.min(4096, end - offset) });
        if (r.records.length === 0) break;
        for (const record of r.records) {
          let row: unknown;
          try {
            row = jsonCodec.decode(record.value ?? new Uint8Array());
          } catch (err) {
            if (counts.malformed++ < MALFORMED_SHOWN)
              process.stderr.write(
                `${topic}/${partition}@${record.offset}: SS_ERR_DECODE: ${(err as Error).message}\n`,
              );
            continue;
          }
          if (row === null || typeof row !== 'object' || Array.isArray(row)) {
            if (counts.malformed++ < MALFORMED_SHOWN)
              process.stderr.write(
                `${topic}/${partition}@${record.offset}: SS_ERR_DECODE: not a JSON object\n`,
              );
            continue;
          }
          if (onRow(row as Row)) counts.used++;
          else counts.skipped++;
        }
        read += r.records.length;
        bar?.update(read, { rows: counts.used + counts.skipped });
        offset = r.nextOffset;
      }
    }
    bar?.stop();
  } finally {
    await log.close();
  }
  return counts;
}

/** Runs `check`, turning an invalid option into an invalid command-line argument (exit code 2). */
function argument<T>(check: () => T): T {
  try {
    return check();
  } catch (err) {
    if (isStreamsightError(err, 'SS_ERR_INVALID_OPTION')) {
      throw new StreamsightError('SS_ERR_INVALID_ARGUMENT', err.message, { cause: err });
    }
    throw err;
  }
}

function parseFieldList(text: string): string[] {
  const fields = text.split(',').map((f) => f.trim());
  if (fields.some((f) => f === '')) {
    throw new StreamsightError(
      'SS_ERR_INVALID_ARGUMENT',
      `--features: expected comma-separated field names, got ${JSON.stringify(text)}`,
    );
  }
  return fields;
}

function formatOf(file: string, format: Format | undefined): Format {
  if (format !== undefined) return format;
  const ext = extname(file).toLowerCase();
  if (ext === '.csv') return 'csv';
  if (ext === '.jsonl' || ext === '.ndjson' || ext === '.json') return 'jsonl';
  throw new StreamsightError(
    'SS_ERR_INVALID_ARGUMENT',
    `--format: cannot tell the format of ${file}; give csv or jsonl`,
  );
}

function openStore(config: Config): ModelStore {
  return openLmdbModelStore({ path: join(config.dataDir, 'models') });
}

/** Rows used (the callback returned true), skipped (false) and malformed. */
interface RowCounts {
  used: number;
  skipped: number;
  malformed: number;
}

const MALFORMED_SHOWN = 20;
/** Progress goes to stderr, so stdout stays clean for --json. */
const READING = { title: 'reading', counters: ['rows'], stream: process.stderr };

/**
 * Streams the rows of a file into `onRow`, with a progress bar on a terminal. Malformed lines are
 * reported (the first few) and skipped; a missing or unreadable file is SS_ERR_FILE.
 */
async function forEachRow(
  path: string,
  format: Format,
  onRow: (row: Row) => boolean,
  columns?: readonly string[],
): Promise<RowCounts> {
  let size: number;
  try {
    size = (await stat(path)).size;
  } catch (cause) {
    throw new StreamsightError('SS_ERR_FILE', `cannot read "${path}": ${(cause as Error).message}`, {
      cause,
      details: { path },
    });
  }
  const counts: RowCounts = { used: 0, skipped: 0, malformed: 0 };
  const malformed = (line: number, message: string) => {
    if (counts.malformed++ < MALFORMED_SHOWN)
      process.stderr.write(`line ${line}: SS_ERR_MALFORMED_LINE: ${message}\n`);
  };
  const stream = createReadStream(path);
  const bar = process.stderr.isTTY ? await startProgressBar(size, READING) : undefined;
  const take = (row: Row) => {
    if (onRow(row)) counts.used++;
    else counts.skipped++;
    if (bar !== undefined && (counts.used + counts.skipped) % 1000 === 0) {
      bar.update(stream.bytesRead, { rows: counts.used + counts.skipped });
    }
  };
  try {
    if (format === 'csv') await readCsv(stream, take, malformed, columns);
    else await readJsonLines(stream, take, malformed);
  } catch (cause) {
    if (isStreamsightError(cause)) throw cause;
    throw new StreamsightError('SS_ERR_FILE', `cannot read "${path}": ${(cause as Error).message}`, {
      cause,
      details: { path },
    });
  } finally {
    stream.destroy();
    if (bar !== undefined) {
      bar.update(size, { rows: counts.used + counts.skipped });
      bar.stop();
    }
  }
  return counts;
}

async function readJsonLines(
  stream: Readable,
  take: (row: Row) => void,
  malformed: (line: number, message: string) => void,
): Promise<void> {
  let line = 0;
  for await (const text of createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY })) {
    line++;
    if (text.trim() === '') continue;
    let row: unknown;
    try {
      row = JSON.parse(text);
    } catch (err) {
      malformed(line, (err as Error).message);
      continue;
    }
    if (typeof row !== 'object' || row === null || Array.isArray(row)) malformed(line, 'not a JSON object');
    else take(row as Row);
  }
}

async function readCsv(
  stream: Readable,
  take: (row: Row) => void,
  malformed: (line: number, message: string) => void,
  columns?: readonly string[],
): Promise<void> {
  const parser = stream.pipe(
    parse({
      // Given names: the file has no header line (an app's format, e.g. NSL-KDD).
      columns: columns === undefined ? true : [...columns],
      bom: true,
      trim: true,
      cast: castDecimal,
      skip_empty_lines: true,
      skip_records_with_error: true,
      on_skip: (err) => {
        if (err) malformed(Number(err.lines), err.message);
      },
    }),
  );
  stream.on('error', (err) => parser.destroy(err));
  for await (const row of parser) take(row as Row);
}
