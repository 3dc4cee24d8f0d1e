// IAM wildcard matching: `*` any run of characters (slashes included), `?` exactly one; compiled once per pattern.

const cache = new Map<string, RegExp>();
const MAX_CACHED = 4096;

/** True when `value` matches the IAM pattern; `ignoreCase` for action names (IAM compares them case-insensitively). */
export function matchesWildcard(pattern: string, value: string, ignoreCase = false): boolean {
  if (pattern === '*') return true;
  if (!pattern.includes('*') && !pattern.includes('?')) return ignoreCase ? pattern.toLowerCase() === value.toLowerCase() : pattern === value;
  const key = `${ignoreCase ? 'i' : 's'}${pattern}`;
  let compiled = cache.get(key);
  if (compiled === undefined) {
    const source = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
    compiled = new RegExp(`^${source}$`, ignoreCase ? 'is' : 's');
    if (cache.size >= MAX_CACHED) cache.clear();
    cache.set(key, compiled);
  }
  return compiled.test(value);
}
