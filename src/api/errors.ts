// The closed catalogue of errors Tessera answers with: one class per wire error code.
// No HTTP knowledge here: the edge maps `code` to a status with an exhaustive table.

export type ErrorFault = 'client' | 'server';

export abstract class ApiError extends Error {
  abstract readonly code: ApiErrorCode;
  readonly fault: ErrorFault = 'client';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name; // class names equal the wire codes
  }
}

/** Modeled errors of the medical-imaging service (model 2026-05). */
export class ValidationException extends ApiError { readonly code = 'ValidationException' as const; }
export class BadRequestException extends ApiError { readonly code = 'BadRequestException' as const; }
export class ServiceQuotaExceededException extends ApiError { readonly code = 'ServiceQuotaExceededException' as const; }
export class AccessDeniedException extends ApiError { readonly code = 'AccessDeniedException' as const; }
export class ResourceNotFoundException extends ApiError { readonly code = 'ResourceNotFoundException' as const; }
export class NotAcceptableException extends ApiError { readonly code = 'NotAcceptableException' as const; }
export class ConflictException extends ApiError { readonly code = 'ConflictException' as const; }
export class ThrottlingException extends ApiError { readonly code = 'ThrottlingException' as const; }
export class InternalServerException extends ApiError {
  readonly code = 'InternalServerException' as const;
  override readonly fault: ErrorFault = 'server';
  constructor(message = 'An internal error occurred. Try again later.', options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** Authentication and routing errors: not in the model, but every AWS client understands them. */
export class MissingAuthenticationTokenException extends ApiError {
  readonly code = 'MissingAuthenticationTokenException' as const;
  constructor(message = 'Missing Authentication Token') { super(message); }
}
export class IncompleteSignatureException extends ApiError { readonly code = 'IncompleteSignatureException' as const; }
export class UnrecognizedClientException extends ApiError {
  readonly code = 'UnrecognizedClientException' as const;
  constructor(message = 'The security token included in the request is invalid.') { super(message); }
}
export class InvalidSignatureException extends ApiError { readonly code = 'InvalidSignatureException' as const; }
/** A bearer token (OIDC) that fails validation: 401 with `WWW-Authenticate: Bearer error="invalid_token"` (dicomweb.md §7.2). */
export class UnauthorizedException extends ApiError { readonly code = 'UnauthorizedException' as const; }
/** Temporary credentials past their expiry (the SDKs refresh credentials on this code). */
export class ExpiredTokenException extends ApiError {
  readonly code = 'ExpiredTokenException' as const;
  constructor(message = 'The security token included in the request is expired') { super(message); }
}
export class UnknownOperationException extends ApiError { readonly code = 'UnknownOperationException' as const; }
/** An operation of the contract that this build does not implement yet (not retried by the SDKs, unlike 500). */
export class NotImplementedException extends ApiError { readonly code = 'NotImplementedException' as const; }

export const API_ERROR_CODES = [
  'ValidationException',
  'BadRequestException',
  'ServiceQuotaExceededException',
  'AccessDeniedException',
  'ResourceNotFoundException',
  'NotAcceptableException',
  'ConflictException',
  'ThrottlingException',
  'InternalServerException',
  'MissingAuthenticationTokenException',
  'IncompleteSignatureException',
  'UnrecognizedClientException',
  'InvalidSignatureException',
  'ExpiredTokenException',
  'UnauthorizedException',
  'UnknownOperationException',
  'NotImplementedException',
] as const;

export type ApiErrorCode = (typeof API_ERROR_CODES)[number];

/** Builds AWS's standard constraint-violation message, e.g. for a pattern mismatch. */
export function constraintViolation(member: string, value: unknown, constraint: string): ValidationException {
  const shown = typeof value === 'string' ? value : JSON.stringify(value);
  return new ValidationException(
    `1 validation error detected: Value '${shown}' at '${member}' failed to satisfy constraint: ${constraint}`,
  );
}
