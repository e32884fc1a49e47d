import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { describe, it } from 'node:test';
import { ErrorCodes, isStreamsightError, StreamsightError } from '../../src/errors/index.ts';

describe('errors', () => {
  it('docs/errors.md documents every code, and only those', async () => {
    const doc = await readFile(new URL('../../docs/errors.md', import.meta.url), 'utf8');
    const documented = new Set([...doc.matchAll(/`(SS_ERR_[A-Z_]+)`/g)].map((m) => m[1]));
    assert.deepEqual([...documented].sort(), Object.keys(ErrorCodes).sort());
  });

  it('carries code, cause, retriable and details', () => {
    const cause = new Error('disk full');
    const err = new StreamsightError('SS_ERR_STORAGE', 'commit failed', {
      cause,
      retriable: true,
      details: { topic: 't' },
    });
    assert.equal(err.code, 'SS_ERR_STORAGE');
    assert.equal(err.cause, cause);
    assert.equal(err.retriable, true);
    assert.deepEqual(err.details, { topic: 't' });
    assert.ok(isStreamsightError(err, 'SS_ERR_STORAGE'));
    assert.ok(!isStreamsightError(err, 'SS_ERR_CLOSED'));
    assert.ok(!isStreamsightError(new Error('x')));
  });
});
