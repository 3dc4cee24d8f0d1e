// Condition operators of the IAM subset: String*, Arn*, Bool, IpAddress, Null, with ForAnyValue:/ForAllValues: and ...IfExists.
import { isInRange } from './ip-ranges.js';
import { matchesWildcard } from './wildcard-pattern.js';

/** The request's condition keys; `undefined` when the key is not in the request context. */
export type ContextLookup = (key: string) => readonly string[] | undefined;

type Matcher = (policyValue: string, requestValue: string) => boolean;

const BASE_OPERATORS: Readonly<Record<string, { readonly match: Matcher; readonly isNegated: boolean }>> = {
  StringEquals: { match: (p, r) => p === r, isNegated: false },
  StringNotEquals: { match: (p, r) => p === r, isNegated: true },
  StringEqualsIgnoreCase: { match: (p, r) => p.toLowerCase() === r.toLowerCase(), isNegated: false },
  StringNotEqualsIgnoreCase: { match: (p, r) => p.toLowerCase() === r.toLowerCase(), isNegated: true },
  StringLike: { match: (p, r) => matchesWildcard(p, r), isNegated: false },
  StringNotLike: { match: (p, r) => matchesWildcard(p, r), isNegated: true },
  // IAM documents ArnEquals and ArnLike as the same wildcard comparison.
  ArnEquals: { match: (p, r) => matchesWildcard(p, r), isNegated: false },
  ArnLike: { match: (p, r) => matchesWildcard(p, r), isNegated: false },
  ArnNotEquals: { match: (p, r) => matchesWildcard(p, r), isNegated: true },
  ArnNotLike: { match: (p, r) => matchesWildcard(p, r), isNegated: true },
  Bool: { match: (p, r) => p.toLowerCase() === r.toLowerCase(), isNegated: false },
  IpAddress: { match: (p, r) => isInRange(p, r), isNegated: false },
  NotIpAddress: { match: (p, r) => isInRange(p, r), isNegated: true },
};

interface ParsedOperator {
  readonly set: 'ForAnyValue' | 'ForAllValues' | undefined;
  readonly base: string;
  readonly isIfExists: boolean;
}

/** Splits `ForAllValues:StringLikeIfExists`; undefined when the operator is not supported. */
export function parseOperator(operator: string): ParsedOperator | undefined {
  const colon = operator.indexOf(':');
  const qualifier = colon < 0 ? undefined : operator.slice(0, colon);
  if (qualifier !== undefined && qualifier !== 'ForAnyValue' && qualifier !== 'ForAllValues') return undefined;
  let base = colon < 0 ? operator : operator.slice(colon + 1);
  const isIfExists = base.endsWith('IfExists') && base !== 'IfExists';
  if (isIfExists) base = base.slice(0, -'IfExists'.length);
  if (base !== 'Null' && BASE_OPERATORS[base] === undefined) return undefined;
  if (base === 'Null' && (isIfExists || qualifier !== undefined)) return undefined;
  return { set: qualifier as ParsedOperator['set'], base, isIfExists };
}

/** All operators and all their keys must hold (AND); a key's policy values are alternatives (OR). */
/** `isIgnoredKey`: keys the action does not support, which behave as if no condition named them. */
export function conditionsHold(
  block: Readonly<Record<string, Readonly<Record<string, readonly string[]>>>>,
  lookup: ContextLookup,
  isIgnoredKey: (key: string) => boolean = () => false,
): boolean {
  for (const [operator, keys] of Object.entries(block)) {
    const parsed = parseOperator(operator);
    if (parsed === undefined) return false; // refused at parse time; fail closed if one slips through
    for (const [key, policyValues] of Object.entries(keys)) {
      if (isIgnoredKey(key)) continue;
      if (!keyHolds(parsed, policyValues, lookup(key))) return false;
    }
  }
  return true;
}

function keyHolds(operator: ParsedOperator, policyValues: readonly string[], requestValues: readonly string[] | undefined): boolean {
  const isAbsent = requestValues === undefined || requestValues.length === 0;
  if (operator.base === 'Null') return policyValues.some((value) => (value.toLowerCase() === 'true') === isAbsent);
  const { match, isNegated } = BASE_OPERATORS[operator.base]!;
  if (isAbsent) {
    // IAM: IfExists and ForAllValues hold on a missing key, negated operators too; everything else fails.
    if (operator.isIfExists || operator.set === 'ForAllValues') return true;
    if (operator.set === 'ForAnyValue') return false;
    return isNegated;
  }
  const matchesAny = (requestValue: string) => policyValues.some((policyValue) => match(policyValue, requestValue));
  const values = requestValues!;
  if (operator.set === 'ForAllValues') return values.every((value) => matchesAny(value) !== isNegated);
  if (operator.set === 'ForAnyValue') return values.some((value) => matchesAny(value) !== isNegated);
  return isNegated ? !values.some(matchesAny) : values.some(matchesAny);
}
