// A routed request: decoded path labels, query, and the JSON body parsed on demand.
import { Violations, ValidationException } from '../../api/index.js';

export class BoundRequest {
  private parsedBody: Record<string, unknown> | undefined;

  constructor(
    readonly labels: Readonly<Record<string, string>>,
    readonly query: URLSearchParams,
    readonly body: Buffer,
    private readonly headers: Readonly<Record<string, string | string[] | undefined>> = {},
  ) {}

  header(name: string): string | undefined {
    const value = this.headers[name];
    return Array.isArray(value) ? value.join(',') : value;
  }

  /** The body as a JSON object; a missing body reads as {} (the clients send {} or nothing). */
  json(): Record<string, unknown> {
    if (this.parsedBody !== undefined) return this.parsedBody;
    if (this.body.length === 0) return (this.parsedBody = {});
    let value: unknown;
    try {
      value = JSON.parse(this.body.toString('utf8'));
    } catch {
      throw new ValidationException('The request body is not valid JSON');
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      throw new ValidationException('The request body must be a JSON object');
    }
    return (this.parsedBody = value as Record<string, unknown>);
  }

  /** First value of a query parameter (repeats of scalar parameters are ignored). */
  queryValue(name: string): string | undefined {
    return this.query.get(name) ?? undefined;
  }

  newViolations(): Violations {
    return new Violations();
  }
}

/** A route's raw (non-JSON) response. */
export class BinaryResponse {
  constructor(readonly content: { readonly body: Buffer; readonly contentType: string; readonly contentEncoding?: string }) {}
}
