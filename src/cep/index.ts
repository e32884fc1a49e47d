export type { PatternMatch } from './nfa.ts';
export { alertTopic } from './operator.ts';
export {
  atLeast,
  type Condition,
  type Contiguity,
  type MatchContext,
  noSkip,
  Pattern,
  type PatternOptions,
  pattern,
  type SkipStrategy,
  skipPastLastEvent,
  skipToFirst,
  skipToLast,
  skipToNext,
} from './pattern.ts';
export {
  parseRuleCommand,
  type Rule,
  type RuleCommand,
  type RuleCondition,
  type RuleStep,
  type RuleValue,
  validateRule,
} from './rule-format.ts';
export { addRule, listRules, type RuleSet, removeRule, ruleSet, rulesTopic } from './rules.ts';
export { type PatternStreamOptions, patternOperator } from './stream-pattern.ts';
