/** Runtime rules: the JSON format, its validation, and adding / removing rules while an app runs. */

import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import {
  addRule,
  listRules,
  type PatternMatch,
  type Rule,
  removeRule,
  ruleSet,
  validateRule,
} from '../../src/cep/index.ts';
import { compileRule } from '../../src/cep/rule-format.ts';
import { createAppTopics, defineApp, runApp } from '../../src/dataflow/index.ts';
import { openEmbeddedLog } from '../../src/log/index.ts';
import { runCli } from '../helpers/cli.ts';
import { readAll, type TempLog, tempLog } from '../helpers/temp-log.ts';
import { type Ev, matches, set } from './harness.ts';

const kind = (k: string) => ({ field: 'kind', op: '==', value: k }) as const;
const run = (rule: unknown, input: string | Ev[]) => matches(compileRule(validateRule(rule)).pattern, input);

describe('rule validation (SS_ERR_INVALID_RULE with the offending path)', () => {
  const base = { id: 'r1', steps: [{ name: 'a', where: kind('a') }] };
  const step = (s: object) => ({ ...base, steps: [{ name: 'a', ...s }] });
  const cases: [string, unknown, string][] = [
    ['not an object', null, '(root)'],
    ['bad id', { ...base, id: 'bad id' }, 'id'],
    ['unknown property', { ...base, colour: 'red' }, '(root)'],
    ['no steps', { ...base, steps: [] }, 'steps'],
    ['bad step name', step({ name: '1a' }), 'steps[0].name'],
    ['starts with an absence', step({ absent: true }), 'steps[0].absent'],
    ['unknown operator', step({ where: { field: 'v', op: '=~', value: 1 } }), 'steps[0].where.op'],
    ['bad field path', step({ where: { field: 'a..b', op: '==', value: 1 } }), 'steps[0].where.field'],
    ['object value', step({ where: { field: 'v', op: '==', value: {} } }), 'steps[0].where.value'],
    ['empty or', step({ where: { and: [kind('a'), { or: [] }] } }), 'steps[0].where.and[1].or'],
    ['ref to no earlier step', step({ where: { field: 'v', op: '>', ref: 'a.v' } }), 'steps[0].where.ref'],
    ['in without array', step({ where: { field: 'v', op: 'in', value: 3 } }), 'steps[0].where.value'],
    ['unknown step property', step({ repeat: 2 }), 'steps[0]'],
    ['times 0', step({ times: 0 }), 'steps[0].times'],
    ['greedy without variable count', step({ times: 3, greedy: true }), 'steps[0].greedy'],
    [
      'absent with a quantifier',
      { ...base, steps: [{ name: 'a' }, { name: 'x', absent: true, times: 2 }] },
      'steps[1].times',
    ],
    [
      'absent followedByAny',
      { ...base, steps: [{ name: 'a' }, { name: 'x', absent: true, after: 'followedByAny' }] },
      'steps[1].after',
    ],
    ['duplicate step', { ...base, steps: [{ name: 'a' }, { name: 'a' }] }, 'steps[1].name'],
    ['bad within', { ...base, within: 'soon' }, 'within'],
    ['skip to no step', { ...base, skip: { skipToFirst: 'zz' } }, 'skip'],
    ['bad skip', { ...base, skip: 'skipAll' }, 'skip'],
  ];
  for (const [name, rule, path] of cases) {
    it(name, () => {
      assert.throws(
        () => validateRule(rule),
        (err: { code: string; details: { path: string } }) =>
          err.code === 'SS_ERR_INVALID_RULE' && err.details.path === path,
      );
    });
  }

  it('whole-rule checks: a trailing absence needs within', () => {
    const rule = { ...base, steps: [{ name: 'a' }, { name: 'x', absent: true }] };
    assert.throws(() => validateRule(rule), { code: 'SS_ERR_INVALID_RULE', message: /needs within/ });
    assert.equal(validateRule({ ...rule, within: '1m' }).id, 'r1');
  });
});

describe('rule semantics', () => {
  it('sequences with field conditions, within and an absence between steps', () => {
    const rule = {
      id: 'withdraw-after-login',
      steps: [
        { name: 'login', where: kind('a') },
        { name: 'logout', absent: true, where: kind('x') },
        {
          name: 'withdraw',
          after: 'followedBy',
          where: { and: [kind('b'), { field: 'v', op: '>', value: 5 }] },
        },
      ],
      within: 50,
    };
    assert.deepEqual(run(rule, 'a1 b1:3 b2:7'), ['a1 b2']);
    assert.deepEqual(run(rule, 'a1 x b1:9'), []);
    assert.deepEqual(run(rule, 'a1@0 b1:9@50'), []);
  });

  it('operators: comparisons, in, notIn, contains, startsWith, endsWith, exists, missing, not, or, ref, dotted paths', () => {
    const input: Ev[] = [
      { id: 'e1', kind: 'login', v: 3, ts: 0, key: 'k', meta: { level: 'high', tags: ['vip'] } } as Ev,
      { id: 'e2', kind: 'logout', v: 8, ts: 10, key: 'k', meta: { level: 'low', tags: [] } } as Ev,
      { id: 'e3', kind: 'buy', v: 5, ts: 20, key: 'k' },
    ];
    const one = (where: unknown) => run({ id: 'r', steps: [{ name: 's', where }] }, input);
    assert.deepEqual(one({ field: 'v', op: '>=', value: 5 }), ['e2', 'e3']);
    assert.deepEqual(one({ field: 'v', op: '!=', value: 5 }), ['e1', 'e2']);
    assert.deepEqual(one({ field: 'kind', op: '<', value: 'login' }), ['e3'], 'strings compare as strings');
    assert.deepEqual(
      one({ field: 'kind', op: '>', value: 3 }),
      [],
      'a string is not ordered against a number',
    );
    assert.deepEqual(one({ field: 'kind', op: 'in', value: ['buy', 'login'] }), ['e1', 'e3']);
    assert.deepEqual(one({ field: 'kind', op: 'notIn', value: ['buy', 'login'] }), ['e2']);
    assert.deepEqual(one({ field: 'kind', op: 'startsWith', value: 'log' }), ['e1', 'e2']);
    assert.deepEqual(one({ field: 'kind', op: 'endsWith', value: 'out' }), ['e2']);
    assert.deepEqual(one({ field: 'meta.tags', op: 'contains', value: 'vip' }), ['e1']);
    assert.deepEqual(one({ field: 'meta.level', op: '==', value: 'high' }), ['e1']);
    assert.deepEqual(one({ field: 'meta', op: 'exists' }), ['e1', 'e2']);
    assert.deepEqual(one({ field: 'meta.level', op: 'missing' }), ['e3']);
    assert.deepEqual(one({ not: { field: 'v', op: '<', value: 5 } }), ['e2', 'e3']);
    assert.deepEqual(one({ or: [kind('buy'), { field: 'v', op: '==', value: 3 }] }), ['e1', 'e3']);
    const ref = {
      id: 'r',
      steps: [
        { name: 'first' },
        { name: 'higher', after: 'followedByAny', where: { field: 'v', op: '>', ref: 'first.v' } },
      ],
    };
    assert.deepEqual(set(run(ref, input)), ['e1 e2', 'e1 e3']);
  });

  it('counting: a user casting more than three high votes within an hour', () => {
    const rule = {
      id: 'many-high-votes',
      steps: [{ name: 'votes', where: { field: 'v', op: '>=', value: 4 }, times: 4 }],
      within: '1h',
      skip: 'skipPastLastEvent',
    };
    assert.deepEqual(run(rule, 'h1:5 l1:1 h2:4 h3:5 h4:4 h5:5 h6:4 h7:5 h8:4'), [
      'h1 h2 h3 h4',
      'h5 h6 h7 h8',
    ]);
    const hour = 3_600_000;
    assert.deepEqual(run(rule, `h1:5@0 h2:5@${hour / 2} h3:5@${hour - 1} h4:5@${hour} h5:5@${hour + 1}`), [
      'h2 h3 h4 h5',
    ]);
  });

  it('absence at the end with within, repetition options and skip strategies', () => {
    const absent = {
      id: 'no-payment',
      steps: [
        { name: 'order', where: kind('o') },
        { name: 'payment', absent: true, where: kind('p') },
      ],
      within: 30,
    };
    assert.deepEqual(run(absent, 'o1@0 p1@10 o2@40 x@60 o3@100'), ['o2', 'o3']);
    const loop = {
      id: 'loop',
      steps: [
        { name: 'c', where: kind('c') },
        { name: 'a', where: kind('a'), times: { min: 1 }, allowCombinations: true },
        { name: 'b', where: kind('b') },
      ],
    };
    assert.equal(run(loop, 'c d a1 a2 a3 d a4 b').length, 8);
    const skip = {
      id: 's',
      steps: [
        { name: 'b', where: kind('b'), times: { min: 1 } },
        { name: 'c', where: kind('c') },
      ],
    };
    assert.equal(run(skip, 'b1 b2 b3 c').length, 6);
    assert.deepEqual(run({ ...skip, skip: { skipToLast: 'b' } }, 'b1 b2 b3 c'), ['b1 b2 b3 c', 'b3 c']);
  });
});

describe('rules in a running app', { timeout: 60_000 }, () => {
  let t: TempLog;
  beforeEach(async () => {
    t = await tempLog();
  });
  afterEach(async () => {
    await t.cleanup();
  });

  interface Vote {
    user: string;
    stars: number;
    ts: number;
  }
  const app = defineApp('votes', (a) => {
    const votes = a.topic<Vote>('votes', { partitions: 2, key: (v) => v.user, time: (v) => v.ts });
    const rules = ruleSet(a);
    votes.keyedStream<string>().pattern(rules).to(rules.alerts);
  });
  const highVotes: Rule = {
    id: 'high-votes',
    steps: [{ name: 'votes', where: { field: 'stars', op: '>=', value: 4 }, times: 4 }],
    within: '1h',
    skip: 'skipPastLastEvent',
  };
  const anyVote: Rule = { id: 'any-vote', steps: [{ name: 'vote' }] };

  async function alerts(topic: string): Promise<PatternMatch<Vote, string>[]> {
    return (await readAll(t.log, topic)).map((r) => JSON.parse(Buffer.from(r.value!).toString()));
  }
  async function until(check: () => Promise<boolean>, what: string): Promise<void> {
    const deadline = Date.now() + 20_000;
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  it('adds a rule while records flow, shows its matches, removes it — no restart', async () => {
    await createAppTopics(app, t.log);
    let running = await runApp(app, { log: t.log });
    // A producer appends votes of three users, all high, while the test changes the rules.
    let stop = false;
    let n = 0;
    const producing = (async () => {
      while (!stop) {
        const batch = [];
        for (let i = 0; i < 6; i++, n++) {
          const v: Vote = { user: `u${n % 3}`, stars: 5, ts: 1_000 + n };
          batch.push({ key: Buffer.from(v.user), value: Buffer.from(JSON.stringify(v)), timestamp: v.ts });
        }
        await t.log.append('votes', batch);
        await new Promise((r) => setTimeout(r, 10));
      }
    })();

    assert.deepEqual(await listRules(t.log, 'votes'), []);
    await addRule(t.log, 'votes', highVotes);
    await assert.rejects(addRule(t.log, 'votes', highVotes), { code: 'SS_ERR_RULE_EXISTS' });
    await until(async () => (await alerts('votes.alerts.high-votes')).length >= 6, 'high-votes alerts');

    await removeRule(t.log, 'votes', 'high-votes');
    await addRule(t.log, 'votes', anyVote);
    await until(async () => (await alerts('votes.alerts.any-vote')).length >= 30, 'any-vote alerts');
    const high = await alerts('votes.alerts.high-votes');
    const any = await alerts('votes.alerts.any-vote');
    // The removal precedes the second rule in the control topic, so per key (per task) no high-votes
    // match involves a record the second rule saw.
    for (const user of ['u0', 'u1', 'u2']) {
      const lastHigh = Math.max(...high.filter((m) => m.key === user).map((m) => m.end));
      const firstAny = Math.min(...any.filter((m) => m.key === user).map((m) => m.start));
      assert.ok(
        lastHigh < firstAny,
        `${user}: high-votes matched ${lastHigh} after any-vote began at ${firstAny}`,
      );
    }
    for (const m of high) assert.equal(m.events.votes.length, 4);
    assert.deepEqual(
      (await listRules(t.log, 'votes')).map((r) => r.id),
      ['any-vote'],
    );
    await assert.rejects(removeRule(t.log, 'votes', 'high-votes'), { code: 'SS_ERR_RULE_NOT_FOUND' });

    // The combined alerts topic carries both rules' matches.
    const combined = await alerts('votes.alerts');
    assert.deepEqual([...new Set(combined.map((m) => m.pattern))].sort(), ['any-vote', 'high-votes']);

    // The rule set is state: after a restart, any-vote goes on without its command being re-read.
    await running.stop();
    const before = (await alerts('votes.alerts.any-vote')).length;
    const highBefore = (await alerts('votes.alerts.high-votes')).length;
    running = await runApp(app, { log: t.log });
    await until(
      async () => (await alerts('votes.alerts.any-vote')).length > before + 30,
      'any-vote after restart',
    );
    stop = true;
    await producing;
    await running.stop();
    assert.equal((await alerts('votes.alerts.high-votes')).length, highBefore);
  });
});

describe('streamsight rules', { timeout: 60_000 }, () => {
  let t: TempLog;
  beforeEach(async () => {
    t = await tempLog();
    await t.log.close();
  });
  afterEach(async () => {
    await t.cleanup();
  });

  const cli = (args: string[]) => runCli(['--data-dir', t.dir, ...args]);

  it('adds, lists and removes rules; invalid input exits with 2', async () => {
    const file = join(t.dir, 'rule.json');
    await writeFile(
      file,
      JSON.stringify({
        id: 'big',
        description: 'a big one',
        steps: [{ name: 'x', where: { field: 'v', op: '>', value: 9 } }],
      }),
    );
    const added = await cli(['rules', 'add', file, '--app', 'shop']);
    assert.equal(added.code, 0, added.stderr);
    assert.match(added.stdout, /rule big added to shop; alerts on shop\.alerts\.big/);
    const list = await cli(['rules', 'list', '--app', 'shop', '--json']);
    assert.deepEqual(
      (JSON.parse(list.stdout) as Rule[]).map((r) => r.id),
      ['big'],
    );
    assert.match(
      (await cli(['rules', 'list', '--app', 'shop'])).stdout,
      /big\s+x\s+∞\s+shop\.alerts\.big\s+a big one/,
    );

    const again = await cli(['rules', 'add', file, '--app', 'shop']);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /SS_ERR_RULE_EXISTS/);

    await writeFile(
      file,
      JSON.stringify({ id: 'bad', steps: [{ name: 'x', where: { field: 'v', op: '~', value: 1 } }] }),
    );
    const invalid = await cli(['rules', 'add', file, '--app', 'shop']);
    assert.equal(invalid.code, 2);
    assert.match(invalid.stderr, /SS_ERR_INVALID_ARGUMENT.*steps\[0\]\.where\.op.*SS_ERR_INVALID_RULE/);
    await writeFile(file, '{ not json');
    assert.equal((await cli(['rules', 'add', file, '--app', 'shop'])).code, 2);
    assert.equal((await cli(['rules', 'list', '--app', 'no such app'])).code, 2);

    assert.equal((await cli(['rules', 'remove', 'big', '--app', 'shop'])).code, 0);
    const missing = await cli(['rules', 'remove', 'big', '--app', 'shop']);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /SS_ERR_RULE_NOT_FOUND/);
    const log = await openEmbeddedLog({ path: join(t.dir, 'log') });
    try {
      assert.deepEqual(await listRules(log, 'shop'), []);
      assert.ok(
        (await log.listTopics()).some((tp) => tp.name === 'shop.alerts.big'),
        'the alert topic stays',
      );
    } finally {
      await log.close();
    }
  });
});
