// Matches method + raw (still percent-encoded) path against the route table, then decodes each label once.
import { ValidationException } from '../../api/index.js';
import type { Route } from './route-table.js';

export interface RouteMatch {
  readonly route: Route;
  readonly labels: Record<string, string>;
}

interface CompiledRoute {
  readonly route: Route;
  readonly pattern: RegExp;
  readonly labelNames: readonly string[];
}

export class Router {
  private readonly compiled: readonly CompiledRoute[];

  constructor(routes: readonly Route[]) {
    this.compiled = routes.map(compile);
  }

  /** `undefined` when no operation has this method and path. */
  match(method: string, rawPath: string): RouteMatch | undefined {
    for (const { route, pattern, labelNames } of this.compiled) {
      if (route.method !== method) continue;
      const found = pattern.exec(rawPath);
      if (found === null) continue;
      const labels: Record<string, string> = {};
      labelNames.forEach((name, i) => {
        labels[name] = decodeLabel(name, found[i + 1]!);
      });
      return { route, labels };
    }
    return undefined;
  }
}

function compile(route: Route): CompiledRoute {
  const labelNames: string[] = [];
  // Templates hold only letters, '/' and labels, so no other regex escaping is needed.
  const source = route.path.replace(/\{(\w+)\}/g, (_m, name: string) => {
    labelNames.push(name);
    // The clients encode the ARN's slashes as %2F; hand-written clients may not, which is harmless to accept.
    return name === 'resourceArn' ? '(.*)' : '([^/]*)';
  });
  return { route, pattern: new RegExp(`^${source}$`), labelNames };
}

function decodeLabel(name: string, raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw new ValidationException(`The path label '${name}' is not valid percent-encoding`);
  }
}
