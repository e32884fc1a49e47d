/**
 * `streamsight model train|evaluate|list`: train a learner on a CSV or JSON-lines file, evaluate a
 * stored model on another file, and list the model store (`<data-dir>/models`).
 *
 * Files are streamed, never loaded whole: training is online (`learnOne` per row, after predicting
 * it, so the stored metrics are the prequential metrics of the training run), and evaluation
 * predicts each row with the stored model without learning (a holdout evaluation). How a row becomes
 * an example is a `RowMapping`; `train` builds it from `--label` and `--features` and stores both
 * with the model, so `evaluate` maps rows of the other file the same way. That is also the hook for
 * apps: an app that registers its own feature mapping (`--app intrusion-detection`) supplies a
 * `RowMapping` where `mappingFromFlags` is called now.
 */

import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import type { SingleBar } from 'cli-progress';
import { Command, Option } from 'commander';
import { parse } from 'csv-parse';
import { isStreamsightError, StreamsightError } from '../../errors/index.ts';
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
import type { Config } from '../config.ts';
import { parseCount } from '../config.ts';
import { configOf, printTable } from './shared.ts';

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

export function modelCommand(): Command {
  const model = new Command('model').description('train, evaluate and list models in the model store');

  model
    .command('train')
    .description('train a learner on a CSV or JSON-lines file and store it as a new version')
    .addOption(
      new Option('--learner <learner>', 'the learner').choices(Object.keys(LEARNERS)).makeOptionMandatory(),
    )
    .requiredOption('--file <file>', 'the training file')
    .addOption(
      new Option('--format <format>', 'file format (default: from the extension)').choices(['csv', 'jsonl']),
    )
    .requiredOption('--label <field>', 'the field holding the class')
    .option('--features <fields>', 'comma-separated feature fields (default: every field but the label)')
    .option('--name <name>', 'model name (default: the file name without extension)')
    .action(async (flags: TrainFlags, command: Command) => {
      const features = flags.features === undefined ? null : parseFieldList(flags.features);
      const name = argument(() => checkModelName(flags.name ?? basename(flags.file, extname(flags.file))));
      const format = formatOf(flags.file, flags.format);
      const mapping = mappingFromFlags(flags.label, features);
      const learner = LEARNERS[flags.learner]();
      const config = configOf(command);
      const store = openStore(config);
      try {
        const metrics = new PrequentialMetrics(1000);
        const started = performance.now();
        const counts = await forEachRow(flags.file, format, (row) => {
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
            learner: flags.learner,
            ...mapping.fields,
            file: basename(flags.file),
            format,
            examples: counts.used,
            unlabelled: counts.skipped,
            malformed: counts.malformed,
          },
          model: learner.serialize(),
        });
        const accuracy = metrics.report().cumulative.accuracy;
        process.stdout.write(
          `model ${name} v${version}: ${flags.learner} trained on ${counts.used} examples in ${seconds.toFixed(2)} s` +
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
    .requiredOption('--name <name>', 'model name')
    .option('--model-version <n>', 'model version (default: the latest)')
    .requiredOption('--file <file>', 'the evaluation file')
    .addOption(
      new Option('--format <format>', 'file format (default: from the extension)').choices(['csv', 'jsonl']),
    )
    .option('--json', 'print the metrics as JSON')
    .action(async (flags: EvaluateFlags, command: Command) => {
      const name = argument(() => checkModelName(flags.name));
      const version =
        flags.modelVersion === undefined
          ? undefined
          : parseCount(flags.modelVersion, '--model-version', 1, Number.MAX_SAFE_INTEGER);
      const format = formatOf(flags.file, flags.format);
      const store = openStore(configOf(command));
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
        const fields = stored.info as { label?: unknown; features?: unknown };
        if (typeof fields.label !== 'string') {
          throw new StreamsightError(
            'SS_ERR_INVALID_ARGUMENT',
            `model ${name} v${stored.version} was not trained from a file (no label field stored)`,
          );
        }
        const mapping = mappingFromFlags(
          fields.label,
          Array.isArray(fields.features) ? fields.features : null,
        );
        const learner = deserialize(stored.model) as Learner;
        const metrics = new ClassificationMetrics();
        let unscored = 0;
        const counts = await forEachRow(flags.file, format, (row) => {
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

interface TrainFlags {
  learner: string;
  file: string;
  format?: Format;
  label: string;
  features?: string;
  name?: string;
}

interface EvaluateFlags {
  name: string;
  modelVersion?: string;
  file: string;
  format?: Format;
  json?: boolean;
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

/**
 * Streams the rows of a file into `onRow`, with a progress bar on a terminal. Malformed lines are
 * reported (the first few) and skipped; a missing or unreadable file is SS_ERR_FILE.
 */
async function forEachRow(path: string, format: Format, onRow: (row: Row) => boolean): Promise<RowCounts> {
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
  const bar = process.stderr.isTTY ? await startProgressBar(size) : undefined;
  const take = (row: Row) => {
    if (onRow(row)) counts.used++;
    else counts.skipped++;
    if (bar !== undefined && (counts.used + counts.skipped) % 1000 === 0) {
      bar.update(stream.bytesRead, { rows: counts.used + counts.skipped });
    }
  };
  try {
    if (format === 'csv') await readCsv(stream, take, malformed);
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
): Promise<void> {
  const parser = stream.pipe(
    parse({
      columns: true,
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

/** A bar on stderr (stdout stays clean for --json); cli-progress is loaded only when one is drawn. */
async function startProgressBar(totalBytes: number): Promise<SingleBar> {
  const { SingleBar, Presets } = await import('cli-progress');
  const bar = new SingleBar(
    {
      format: 'reading |{bar}| {percentage}% | {rows} rows | ETA {eta_formatted}',
      stream: process.stderr,
      hideCursor: true,
    },
    Presets.shades_classic,
  );
  bar.start(totalBytes, 0, { rows: 0 });
  return bar;
}
