// Error code → HTTP status, complete by construction (the compiler rejects a missing code).
import type { ApiErrorCode } from '../../api/index.js';

/** Headers an error answer carries besides the AWS ones (RFC 6750 §3 for refused bearer tokens). */
export const ERROR_HEADERS: Readonly<Partial<Record<ApiErrorCode, Readonly<Record<string, string>>>>> = {
  UnauthorizedException: { 'WWW-Authenticate': 'Bearer error="invalid_token"' },
};

export const ERROR_STATUS: Readonly<Record<ApiErrorCode, number>> = {
  ValidationException: 400,
  BadRequestException: 400,
  ServiceQuotaExceededException: 402, // a HealthImaging quirk: not 429
  AccessDeniedException: 403,
  ResourceNotFoundException: 404,
  NotAcceptableException: 406,
  ConflictException: 409,
  ThrottlingException: 429,
  InternalServerException: 500,
  MissingAuthenticationTokenException: 403,
  IncompleteSignatureException: 403,
  UnrecognizedClientException: 403,
  InvalidSignatureException: 403,
  ExpiredTokenException: 403,
  UnauthorizedException: 401,
  UnknownOperationException: 404,
  NotImplementedException: 501,
};
