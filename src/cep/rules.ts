/**
 * Runtime rules: add, list and remove patterns while an app runs, with no restart.
 *
 * Rules are commands — `{ op: 'add', rule }`, `{ op: 'remove', id }` — appended to the app's control
 * topic `<app>.rules` (one partition). The pattern operator reads that topic as a broadcast input:
 * every task reads every command in log order, keeps the active rules in its checkpointed state and
 * continues the topic from its checkpoint after a restart. The rule set is therefore a fold of the
 * control topic, which is what `listRules` computes; any process may append commands while the app
 * runs (the embedded log takes appends from several processes).
 *
 * A rule matches the records that reach the automata after its task reads the command (those read
 * after it, and those still waiting for the watermark); each rule's matches are appended
 * to its own alert topic `<app>.alerts.<rule id>` (created by `addRule`, kept after removal so the
 * alerts stay readable) and also flow downstream of `.pattern(rules)`.
 */

import type { AppBuilder } from '../dataflow/app.ts';
import { jsonCodec } from '../dataflow/codec.ts';
import type { Topic } from '../dataflow/stream.ts';
import { StreamsightError } from '../errors/index.ts';
import type { Log } from '../log/log.ts';
import type { PatternMatch } from './nfa.ts';
import { alertTopic } from './operator.ts';
import { parseRuleCommand, type Rule, type RuleCommand, validateRule } from './rule-format.ts';

/** The control and alert topics of an app's runtime rules (see `ruleSet`). */
export interface RuleSet {
  readonly app: string;
  /** `<app>.rules`: the commands. */
  readonly commands: Topic<RuleCommand>;
  /** `<app>.alerts`: every rule's matches (declared for `.to(rules.alerts)`). */
  readonly alerts: Topic<PatternMatch<any, any>>;
}

/**
 * The control topic of an app's rules: `<app>.rules`.
 *
 * @example
 * rulesTopic('votes') // 'votes.rules'
 */
export function rulesTopic(app: string): string {
  return `${app}.rules`;
}

/**
 * Declares an app's runtime rules: its control topic `<app>.rules` and its combined alert topic
 * `<app>.alerts`. Pass the result to `.pattern(...)` on a keyed stream.
 *
 * @example
 * defineApp('votes', (app) => {
 *   const votes = app.topic<Vote>('votes', { key: (v) => v.user, time: (v) => v.at });
 *   const rules = ruleSet(app);
 *   votes.keyedStream<string>().pattern(rules).to(rules.alerts);
 * });
 */
export function ruleSet(app: AppBuilder): RuleSet {
  return {
    app: app.name,
    commands: app.topic<RuleCommand>(rulesTopic(app.name), { partitions: 1 }),
    alerts: app.topic<PatternMatch<any, any>>(`${app.name}.alerts`, { partitions: 1 }),
  };
}

async function append(log: Log, app: string, command: RuleCommand): Promise<void> {
  await log.createTopic(rulesTopic(app), { partitions: 1 });
  await log.append(rulesTopic(app), [{ value: jsonCodec.encode(command), partition: 0 }]);
}

/**
 * The active rules of an app, in the order they were added: the fold of its control topic.
 *
 * @example
 * for (const rule of await listRules(log, 'votes')) console.log(rule.id);
 */
export async function listRules(log: Log, app: string): Promise<Rule[]> {
  const topic = rulesTopic(app);
  if (!(await log.listTopics()).some((t) => t.name === topic)) return [];
  const rules = new Map<string, Rule>();
  const [partition] = (await log.describeTopic(topic)).partitions;
  let offset = partition.startOffset;
  while (offset < partition.endOffset) {
    const batch = await log.fetch(topic, 0, offset, { maxRecords: 1000 });
    for (const record of batch.records) {
      let command: RuleCommand;
      try {
        command = parseRuleCommand(jsonCodec.decode(record.value!));
      } catch {
        continue; // not a command: the pattern operator ignores it too
      }
      if (command.op === 'add') {
        rules.delete(command.rule.id);
        rules.set(command.rule.id, command.rule);
      } else rules.delete(command.id);
    }
    if (batch.records.length === 0) break;
    offset = batch.nextOffset;
  }
  return [...rules.values()];
}

/**
 * Validates a rule, creates its alert topic `<app>.alerts.<id>` and appends the command that
 * activates it. Throws SS_ERR_INVALID_RULE (with the offending path) or SS_ERR_RULE_EXISTS.
 *
 * @example
 * await addRule(log, 'votes', {
 *   id: 'many-high-votes',
 *   steps: [{ name: 'votes', where: { field: 'stars', op: '>=', value: 4 }, times: 4 }],
 *   within: '1h',
 *   skip: 'skipPastLastEvent',
 * });
 */
export async function addRule(log: Log, app: string, rule: unknown): Promise<Rule> {
  const valid = validateRule(rule);
  if ((await listRules(log, app)).some((r) => r.id === valid.id)) {
    throw new StreamsightError(
      'SS_ERR_RULE_EXISTS',
      `rule ${valid.id} is active in app ${app}; remove it first`,
      {
        details: { app, rule: valid.id },
      },
    );
  }
  await log.createTopic(alertTopic(app, valid.id), { partitions: 1 });
  await append(log, app, { op: 'add', rule: valid });
  return valid;
}

/**
 * Appends the command that removes a rule (its alert topic stays). Throws SS_ERR_RULE_NOT_FOUND.
 *
 * @example
 * await removeRule(log, 'votes', 'many-high-votes');
 */
export async function removeRule(log: Log, app: string, id: string): Promise<void> {
  if (!(await listRules(log, app)).some((r) => r.id === id)) {
    throw new StreamsightError('SS_ERR_RULE_NOT_FOUND', `app ${app} has no active rule ${id}`, {
      details: { app, rule: id },
    });
  }
  await append(log, app, { op: 'remove', id });
}
