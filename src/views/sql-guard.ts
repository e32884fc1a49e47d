/**
 * A lexical gate in front of the read-only SQL of both view stores. It is the first of several
 * layers, not the only one: DuckDB also checks the prepared statement's type and runs without file or
 * network access; PostgreSQL runs the statement in a READ ONLY transaction with the extended
 * protocol (one statement only) and a statement timeout, always rolled back.
 *
 * What it checks, on the text with comments, string literals and quoted identifiers skipped:
 * - exactly one statement (a trailing `;` is fine);
 * - it starts with SELECT, WITH, VALUES, TABLE or FROM (DuckDB's FROM-first), possibly in parentheses;
 * - no keyword of a write, DDL or extension command appears unquoted anywhere (this catches
 *   data-modifying CTEs such as `WITH x AS (DELETE ...) SELECT ...`);
 * - no function that could escape the sandbox is named: PostgreSQL's `set_config` (it could switch
 *   the role back), server file and large-object functions, dblink, and functions that run SQL given
 *   as text (`query_to_xml`, ...).
 */

import { StreamsightError } from '../errors/index.ts';

const FIRST = new Set(['select', 'with', 'values', 'table', 'from']);

const WRITE_KEYWORDS = new Set([
  'insert',
  'update',
  'delete',
  'merge',
  'truncate',
  'drop',
  'create',
  'alter',
  'copy',
  'grant',
  'revoke',
  'attach',
  'detach',
  'install',
  'pragma',
  'vacuum',
  'checkpoint',
]);

const DENIED_FUNCTIONS = [
  /^set_config$/,
  /^pg_read_(binary_)?file$/,
  /^pg_ls_/,
  /^pg_stat_file$/,
  /^lo_/,
  /^dblink/,
  /^pg_(terminate|cancel)_backend$/,
  /^pg_reload_conf$/,
  /^pg_promote$/,
  /^pg_switch_wal$/,
  /^pg_rotate_logfile$/,
  /^pg_(create|drop)_/,
  /^pg_(logical|replication)_/,
  /^pg_advisory/,
  /^pg_notify$/,
  /^(query|cursor|table|schema|database)_to_xml/,
  /^query_table$/,
  /^(nextval|setval)$/,
];

/** Throws SS_ERR_QUERY_REJECTED unless `sql` passes the checks above. */
export function checkReadOnlySql(sql: string): void {
  const words = lexWords(sql);
  let statements = 0;
  let inStatement = false;
  let first: string | undefined;
  for (const w of words) {
    if (w === ';') {
      inStatement = false;
      continue;
    }
    if (!inStatement) {
      statements++;
      inStatement = true;
      if (statements > 1) reject('only one statement is allowed');
    }
    if (first === undefined && w !== '(') first = w;
    if (WRITE_KEYWORDS.has(w)) reject(`${w.toUpperCase()} is not allowed: queries are read-only`);
    const name = w.startsWith('"') ? w.slice(1) : w;
    if (DENIED_FUNCTIONS.some((re) => re.test(name))) reject(`${name} is not allowed in queries`);
  }
  if (statements === 0) reject('the SQL text holds no statement');
  if (first === undefined || !FIRST.has(first)) {
    reject(`only SELECT statements are allowed (the statement starts with ${JSON.stringify(first ?? '')})`);
  }
}

function reject(message: string): never {
  throw new StreamsightError('SS_ERR_QUERY_REJECTED', message);
}

/**
 * The words of `sql`, lower-cased: unquoted words, `"`-prefixed quoted identifiers, `;` and `(`.
 * String literals ('…', E'…', $tag$…$tag$) and comments (-- …, nested /* … *\/) are skipped.
 */
export function lexWords(sql: string): string[] {
  const out: string[] = [];
  const n = sql.length;
  let i = 0;
  while (i < n) {
    const c = sql[i];
    if (c === '-' && sql[i + 1] === '-') {
      while (i < n && sql[i] !== '\n') i++;
    } else if (c === '/' && sql[i + 1] === '*') {
      let depth = 1;
      i += 2;
      while (i < n && depth > 0) {
        if (sql[i] === '/' && sql[i + 1] === '*') {
          depth++;
          i += 2;
        } else if (sql[i] === '*' && sql[i + 1] === '/') {
          depth--;
          i += 2;
        } else i++;
      }
      if (depth > 0) reject('unterminated comment');
    } else if (c === "'") {
      const backslashes = i > 0 && /[eE]/.test(sql[i - 1]) && (i < 2 || !/[A-Za-z0-9_]/.test(sql[i - 2]));
      i = skipQuoted(sql, i, "'", backslashes);
    } else if (c === '"') {
      const end = skipQuoted(sql, i, '"', false);
      out.push(
        `"${sql
          .slice(i + 1, end - 1)
          .replace(/""/g, '"')
          .toLowerCase()}`,
      );
      i = end;
    } else if (
      c === '$' &&
      /[A-Za-z_$]/.test(sql[i + 1] ?? '') &&
      (i === 0 || !/[A-Za-z0-9_]/.test(sql[i - 1]))
    ) {
      const m = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.exec(sql.slice(i));
      if (m) {
        const end = sql.indexOf(m[0], i + m[0].length);
        if (end < 0) reject('unterminated dollar-quoted string');
        i = end + m[0].length;
      } else i++;
    } else if (/[A-Za-z_]/.test(c)) {
      let j = i + 1;
      while (j < n && /[A-Za-z0-9_$]/.test(sql[j])) j++;
      out.push(sql.slice(i, j).toLowerCase());
      i = j;
    } else if (c === ';' || c === '(') {
      out.push(c);
      i++;
    } else i++;
  }
  return out;
}

/** The index after the closing quote of the literal starting at `start` (doubled quotes escape). */
function skipQuoted(sql: string, start: number, quote: string, backslashes: boolean): number {
  let i = start + 1;
  while (i < sql.length) {
    const c = sql[i];
    if (backslashes && c === '\\') {
      i += 2;
      continue;
    }
    if (c === quote) {
      if (sql[i + 1] === quote) {
        i += 2;
        continue;
      }
      return i + 1;
    }
    i++;
  }
  reject('unterminated quoted text');
}
