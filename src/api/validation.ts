// Input validation with AWS's own message format ("1 validation error detected: Value ... at ...").
import { ValidationException } from './errors.js';
import type { IntegerShape, StringShape } from './shapes.js';
import { MAX_TAGS_PER_RESOURCE, SHAPES, type Tags } from './shapes.js';

export class Violations {
  private readonly messages: string[] = [];

  /** Returns the value as a string when it satisfies the shape; records a violation otherwise. */
  string(member: string, value: unknown, shape: StringShape, isRequired: boolean): string | undefined {
    if (value === undefined || value === null) {
      if (isRequired) this.add(member, null, 'Member must not be null');
      return undefined;
    }
    if (typeof value !== 'string') {
      this.add(member, value, 'Member must be a string');
      return undefined;
    }
    const length = codePointLength(value);
    if (shape.minLength !== undefined && length < shape.minLength) {
      this.add(member, value, `Member must have length greater than or equal to ${shape.minLength}`);
      return undefined;
    }
    if (shape.maxLength !== undefined && length > shape.maxLength) {
      this.add(member, value, `Member must have length less than or equal to ${shape.maxLength}`);
      return undefined;
    }
    if (shape.pattern !== undefined && !shape.pattern.test(value)) {
      this.add(member, value, `Member must satisfy regular expression pattern: ${shape.patternText}`);
      return undefined;
    }
    return value;
  }

  /** Integers arrive as JSON numbers or as query text. */
  integer(member: string, value: unknown, shape: IntegerShape, isRequired: boolean): number | undefined {
    if (value === undefined || value === null) {
      if (isRequired) this.add(member, null, 'Member must not be null');
      return undefined;
    }
    const number = typeof value === 'string' && /^-?\d+$/.test(value) ? Number(value) : value;
    if (typeof number !== 'number' || !Number.isInteger(number)) {
      this.add(member, value, 'Member must be an integer');
      return undefined;
    }
    if (number < shape.min) {
      this.add(member, value, `Member must have value greater than or equal to ${shape.min}`);
      return undefined;
    }
    if (number > shape.max) {
      this.add(member, value, `Member must have value less than or equal to ${shape.max}`);
      return undefined;
    }
    return number;
  }

  enumValue<T extends string>(member: string, value: unknown, values: readonly T[], isRequired: boolean): T | undefined {
    if (value === undefined || value === null) {
      if (isRequired) this.add(member, null, 'Member must not be null');
      return undefined;
    }
    if (typeof value !== 'string' || !(values as readonly string[]).includes(value)) {
      this.add(member, value, `Member must satisfy enum value set: [${values.join(', ')}]`);
      return undefined;
    }
    return value as T;
  }

  boolean(member: string, value: unknown, isRequired: boolean): boolean | undefined {
    if (value === undefined || value === null) {
      if (isRequired) this.add(member, null, 'Member must not be null');
      return undefined;
    }
    if (value === true || value === 'true') return true;
    if (value === false || value === 'false') return false;
    this.add(member, value, 'Member must be a boolean');
    return undefined;
  }

  /** A tag map: object of TagKey → TagValue, at most 50 entries. */
  tags(member: string, value: unknown, isRequired: boolean): Tags | undefined {
    if (value === undefined || value === null) {
      if (isRequired) this.add(member, null, 'Member must not be null');
      return undefined;
    }
    if (typeof value !== 'object' || Array.isArray(value)) {
      this.add(member, value, 'Member must be a map of tag keys to tag values');
      return undefined;
    }
    const entries = Object.entries(value as Record<string, unknown>);
    if (entries.length > MAX_TAGS_PER_RESOURCE) {
      this.add(member, `map of ${entries.length} tags`, `Map value must have length less than or equal to ${MAX_TAGS_PER_RESOURCE}`);
      return undefined;
    }
    const before = this.messages.length;
    const tags: Tags = {};
    for (const [key, tagValue] of entries) {
      const k = this.string(`${member}.key`, key, SHAPES.TagKey, true);
      const v = this.string(`${member}.${key}`, tagValue, SHAPES.TagValue, true);
      if (k !== undefined && v !== undefined) tags[k] = v;
    }
    return this.messages.length === before ? tags : undefined;
  }

  /** Records a violation found by the caller. */
  add(member: string, value: unknown, constraint: string): void {
    this.messages.push(`Value ${render(value)} at '${member}' failed to satisfy constraint: ${constraint}`);
  }

  /** Records a message that does not follow the member/constraint form. */
  addMessage(message: string): void {
    this.messages.push(message);
  }

  get isEmpty(): boolean {
    return this.messages.length === 0;
  }

  throwIfAny(): void {
    if (this.messages.length === 0) return;
    const count = this.messages.length;
    throw new ValidationException(`${count} validation error${count === 1 ? '' : 's'} detected: ${this.messages.join('; ')}`);
  }
}

function render(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  // Long values would only bloat the error; AWS also truncates in practice.
  return `'${text.length > 256 ? `${text.slice(0, 256)}...` : text}'`;
}

function codePointLength(value: string): number {
  let length = 0;
  for (const _ of value) length++;
  return length;
}
