// The HTTP edge.
export * from './http-server.js';
export type { ApiHandlers, Authenticator, AuthenticationRequest } from './aws-rest-json/api-handlers.js';
