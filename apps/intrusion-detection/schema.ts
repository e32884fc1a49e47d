/**
 * The NSL-KDD connection record: 41 features, the attack name and the difficulty level, in the column
 * order of the NSL-KDD files (which have no header), and the five classes attack names fall into.
 *
 * NSL-KDD: M. Tavallaee, E. Bagheri, W. Lu, A. A. Ghorbani, "A Detailed Analysis of the KDD CUP 99
 * Data Set", IEEE CISDA 2009; files from the Canadian Institute for Cybersecurity, University of New
 * Brunswick (https://www.unb.ca/cic/datasets/nsl.html).
 */

import { z } from 'zod';
import type { Features } from '../../src/index.ts';

/** The three categorical features; the tree splits on them natively (one branch per value). */
export const CATEGORICAL = ['protocol_type', 'service', 'flag'] as const;

const NOMINAL: ReadonlySet<string> = new Set(CATEGORICAL);

/** The 41 features, in file order. */
export const FEATURES = [
  'duration',
  'protocol_type',
  'service',
  'flag',
  'src_bytes',
  'dst_bytes',
  'land',
  'wrong_fragment',
  'urgent',
  'hot',
  'num_failed_logins',
  'logged_in',
  'num_compromised',
  'root_shell',
  'su_attempted',
  'num_root',
  'num_file_creations',
  'num_shells',
  'num_access_files',
  'num_outbound_cmds',
  'is_host_login',
  'is_guest_login',
  'count',
  'srv_count',
  'serror_rate',
  'srv_serror_rate',
  'rerror_rate',
  'srv_rerror_rate',
  'same_srv_rate',
  'diff_srv_rate',
  'srv_diff_host_rate',
  'dst_host_count',
  'dst_host_srv_count',
  'dst_host_same_srv_rate',
  'dst_host_diff_srv_rate',
  'dst_host_same_src_port_rate',
  'dst_host_srv_diff_host_rate',
  'dst_host_serror_rate',
  'dst_host_srv_serror_rate',
  'dst_host_rerror_rate',
  'dst_host_srv_rerror_rate',
] as const;

/** All 43 columns of an NSL-KDD file: the features, then `attack` and `difficulty`. */
export const COLUMNS: readonly string[] = [...FEATURES, 'attack', 'difficulty'];

type Categorical = (typeof CATEGORICAL)[number];
type Numeric = Exclude<(typeof FEATURES)[number], Categorical>;

/** One connection record as it travels on the `connections` topic. */
export type Connection = { [F in Numeric]: number } & { [F in Categorical]: string } & {
  /** `normal` or the attack's name (e.g. `neptune`). */
  attack: string;
  /** How many of the NSL-KDD authors' 21 learners got the record right (0–21); absent in other files. */
  difficulty?: number;
};

const numeric = z.number().finite().nonnegative();
const shape: Record<string, z.ZodType> = {};
for (const f of FEATURES) {
  shape[f] = NOMINAL.has(f) ? z.string().min(1).max(64) : numeric;
}
shape.attack = z.string().min(1).max(64);
shape.difficulty = z.number().int().min(0).max(21).optional();

/**
 * The topic's schema (Standard Schema, via zod): a record failing it becomes a dead letter with
 * SS_ERR_SCHEMA instead of reaching the model.
 *
 * @example
 * connectionSchema.safeParse({ duration: 0, protocol_type: 'tcp', ... }).success
 */
export const connectionSchema = z.object(shape) as unknown as z.ZodType<Connection>;

/** The five classes, in the order the dashboard shows them. */
export const CLASSES = ['normal', 'DoS', 'Probe', 'R2L', 'U2R'] as const;
export type AttackClass = (typeof CLASSES)[number];

/**
 * Attack name → class, the usual grouping of the KDD'99 / NSL-KDD attack names (Tavallaee et al.
 * 2009; the test set's extra names included, so a KDDTest+ file maps too). `httptunnel` is grouped
 * with U2R, as most NSL-KDD papers do.
 */
const GROUPS: Record<Exclude<AttackClass, 'normal'>, string[]> = {
  DoS: [
    'back',
    'land',
    'neptune',
    'pod',
    'smurf',
    'teardrop',
    'apache2',
    'mailbomb',
    'processtable',
    'udpstorm',
  ],
  Probe: ['ipsweep', 'nmap', 'portsweep', 'satan', 'mscan', 'saint'],
  R2L: [
    'ftp_write',
    'guess_passwd',
    'imap',
    'multihop',
    'phf',
    'spy',
    'warezclient',
    'warezmaster',
    'named',
    'sendmail',
    'snmpgetattack',
    'snmpguess',
    'worm',
    'xlock',
    'xsnoop',
  ],
  U2R: ['buffer_overflow', 'loadmodule', 'perl', 'rootkit', 'ps', 'sqlattack', 'xterm', 'httptunnel'],
};
const CLASS_OF = new Map<string, AttackClass>([['normal', 'normal']]);
for (const [c, names] of Object.entries(GROUPS)) for (const n of names) CLASS_OF.set(n, c as AttackClass);

/**
 * The class of an attack name, or undefined for a name outside the NSL-KDD list (such a record is
 * predicted but neither learned nor scored). Some copies of KDD'99 end names with a dot (`smurf.`).
 *
 * @example
 * attackClass('neptune'); // 'DoS'
 * attackClass('normal.'); // 'normal'
 * attackClass('made-up'); // undefined
 */
export function attackClass(attack: string): AttackClass | undefined {
  return CLASS_OF.get(attack.endsWith('.') ? attack.slice(0, -1) : attack);
}

/** Every attack name the mapping knows, by class. */
export function attackNames(): Record<AttackClass, string[]> {
  return { normal: ['normal'], ...GROUPS };
}

/**
 * The model's features of a record: the 41 features as they are (categorical ones as strings, which
 * the Hoeffding tree handles natively). Values that are not finite numbers / non-empty strings are
 * left out, which the tree treats as missing: the numeric ones must be numbers, the categorical
 * ones strings.
 *
 * @example
 * featuresOf(connection).service; // 'http'
 */
export function featuresOf(row: Record<string, unknown>): Features {
  const x: Features = {};
  for (const f of FEATURES) {
    const v = row[f];
    // One type per feature: a number where a category belongs (or the reverse) would be a new feature.
    if (NOMINAL.has(f) ? typeof v === 'string' && v !== '' : typeof v === 'number' && Number.isFinite(v)) {
      x[f] = v as string | number;
    }
  }
  return x;
}
