// The AWS policy language subset Tessera evaluates: parsed and validated once, normalised to arrays.
import { parseOperator } from './condition-operators.js';
import { isValidCidr } from './ip-ranges.js';

export type Effect = 'Allow' | 'Deny';

/** Operator (with its ForAnyValue:/ForAllValues: qualifier and IfExists suffix) → condition key → values. */
export type ConditionBlock = Readonly<Record<string, Readonly<Record<string, readonly string[]>>>>;

export interface PolicyStatement {
  readonly sid: string | undefined;
  readonly effect: Effect;
  /** Exactly one of action / notAction is set. */
  readonly action: readonly string[] | undefined;
  readonly notAction: readonly string[] | undefined;
  /** Exactly one of resource / notResource is set. */
  readonly resource: readonly string[] | undefined;
  readonly notResource: readonly string[] | undefined;
  readonly condition: ConditionBlock;
}

export interface PolicyDocument {
  readonly version: string;
  readonly statements: readonly PolicyStatement[];
}

/** A policy the evaluator cannot honour: refused when attached, never silently half-applied. */
export class PolicyDocumentError extends Error {}

const VERSIONS = new Set(['2012-10-17', '2008-10-17']);
const STATEMENT_MEMBERS = new Set(['Sid', 'Effect', 'Action', 'NotAction', 'Resource', 'NotResource', 'Condition']);

export function parsePolicyDocument(input: unknown): PolicyDocument {
  const json = typeof input === 'string' ? parseJson(input) : input;
  if (!isObject(json)) fail('a policy is a JSON object');
  const version = json.Version ?? '2008-10-17';
  if (typeof version !== 'string' || !VERSIONS.has(version)) fail(`Version must be 2012-10-17 or 2008-10-17, not ${JSON.stringify(version)}`);
  const unknown = Object.keys(json).filter((key) => key !== 'Version' && key !== 'Statement' && key !== 'Id');
  if (unknown.length > 0) fail(`unsupported policy member ${unknown[0]}`);
  const raw = json.Statement;
  const list = Array.isArray(raw) ? raw : raw === undefined ? fail('Statement is required') : [raw];
  if (list.length === 0) fail('Statement must not be empty');
  return Object.freeze({ version, statements: Object.freeze(list.map((statement, i) => parseStatement(statement, i))) });
}

function parseStatement(raw: unknown, index: number): PolicyStatement {
  const at = `Statement[${index}]`;
  if (!isObject(raw)) fail(`${at} must be an object`);
  for (const key of Object.keys(raw)) {
    // Principal belongs to resource-based policies; Tessera attaches identity-based ones only.
    if (!STATEMENT_MEMBERS.has(key)) fail(`${at}: unsupported member ${key}`);
  }
  if (raw.Effect !== 'Allow' && raw.Effect !== 'Deny') fail(`${at}: Effect must be Allow or Deny`);
  if ((raw.Action === undefined) === (raw.NotAction === undefined)) fail(`${at}: exactly one of Action and NotAction is required`);
  if ((raw.Resource === undefined) === (raw.NotResource === undefined)) fail(`${at}: exactly one of Resource and NotResource is required`);
  if (raw.Sid !== undefined && typeof raw.Sid !== 'string') fail(`${at}: Sid must be a string`);
  return Object.freeze({
    sid: raw.Sid as string | undefined,
    effect: raw.Effect,
    action: stringList(raw.Action, `${at}.Action`),
    notAction: stringList(raw.NotAction, `${at}.NotAction`),
    resource: stringList(raw.Resource, `${at}.Resource`),
    notResource: stringList(raw.NotResource, `${at}.NotResource`),
    condition: parseCondition(raw.Condition, `${at}.Condition`),
  });
}

function parseCondition(raw: unknown, at: string): ConditionBlock {
  if (raw === undefined) return Object.freeze({});
  if (!isObject(raw)) fail(`${at} must be an object`);
  const block: Record<string, Record<string, readonly string[]>> = {};
  for (const [operator, keys] of Object.entries(raw)) {
    if (parseOperator(operator) === undefined) fail(`${at}: unsupported condition operator ${operator}`);
    if (!isObject(keys)) fail(`${at}.${operator} must map condition keys to values`);
    const entries: Record<string, readonly string[]> = {};
    for (const [key, values] of Object.entries(keys)) {
      // Booleans and numbers are written unquoted in many policies; IAM compares their text.
      const list = (Array.isArray(values) ? values : [values]).map((value) => {
        if (typeof value === 'string') return value;
        if (typeof value === 'boolean' || typeof value === 'number') return String(value);
        return fail(`${at}.${operator}.${key}: values are strings, booleans or numbers`);
      });
      if (parseOperator(operator)!.base.endsWith('IpAddress')) {
        const bad = list.find((value) => !isValidCidr(value));
        if (bad !== undefined) fail(`${at}.${operator}.${key}: '${bad}' is not an IP address or CIDR range`);
      }
      entries[key] = Object.freeze(list);
    }
    block[operator] = Object.freeze(entries);
  }
  return Object.freeze(block);
}

function stringList(raw: unknown, at: string): readonly string[] | undefined {
  if (raw === undefined) return undefined;
  const list = Array.isArray(raw) ? raw : [raw];
  if (list.length === 0 || list.some((item) => typeof item !== 'string' || item === '')) fail(`${at} must be a non-empty string or list of strings`);
  return Object.freeze(list as string[]);
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    return fail(`not JSON: ${(error as Error).message}`);
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function fail(message: string): never {
  throw new PolicyDocumentError(message);
}
