/** The lexical gate of the SQL sandbox: what it lets through and what it stops, including tricks. */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isStreamsightError } from '../../src/errors/index.ts';
import { checkReadOnlySql } from '../../src/views/sql-guard.ts';

const rejected = (sql: string) =>
  assert.throws(
    () => checkReadOnlySql(sql),
    (e) => isStreamsightError(e, 'SS_ERR_QUERY_REJECTED'),
    sql,
  );

describe('checkReadOnlySql', () => {
  it('accepts single read-only statements', () => {
    for (const sql of [
      'SELECT 1',
      'select * from t where a = $1;',
      '  -- leading comment\n/* block /* nested */ */ WITH x AS (SELECT 1) SELECT * FROM x',
      '(SELECT 1) UNION (SELECT 2)',
      'VALUES (1), (2)',
      'FROM t',
      "SELECT 'it''s; DROP TABLE t' AS s",
      "SELECT E'a\\'; DELETE' AS s",
      'SELECT $$ ; DROP TABLE t $$ AS s',
      'SELECT $tag$ ; DELETE $tag$ AS s',
      'SELECT "delete", "update" FROM t',
    ]) {
      checkReadOnlySql(sql);
    }
  });

  it('rejects several statements, writes, DDL, extension commands and escape functions', () => {
    for (const sql of [
      'SELECT 1; SELECT 2',
      "SELECT ';' AS a; DROP TABLE t",
      'SELECT 1 /* ; */ ; DELETE FROM t',
      'DELETE FROM t',
      'WITH d AS (DELETE FROM t RETURNING *) SELECT * FROM d',
      'SELECT * FROM t FOR UPDATE',
      'EXPLAIN ANALYZE DELETE FROM t',
      'SHOW ALL',
      'CALL p()',
      'SET x = 1',
      'RESET ALL',
      'LOAD httpfs',
      'BEGIN',
      'SELECT pg_catalog.set_config($1, $2, false)',
      "SELECT \"set_config\"('role', 'postgres', true)",
      "SELECT query_to_xml('DELETE FROM t', true, true, '')",
      "SELECT lo_import('/etc/passwd')",
      "SELECT * FROM dblink('x', 'y') AS r(a int)",
      "SELECT nextval('s')",
      '',
      '   ;  ',
      "SELECT 'unterminated",
      'SELECT /* unterminated',
      'SELECT $$ unterminated',
    ]) {
      rejected(sql);
    }
  });
});
