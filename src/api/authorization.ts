// What must be allowed before an operation does any work: the IAM action, the resource ARN, and the request's
// condition keys. Routes (AWS REST-JSON and DICOMweb) describe their calls with it; src/iam/ evaluates it.
import type { Principal } from './request-context.js';

export interface AuthorizationRequest {
  /** e.g. `medical-imaging:GetImageSet`, `medical-imaging:GetDICOMInstance`. */
  readonly action: string;
  /** The resource ARN the action applies to (data store or image set ARN; `*` for ListDatastores). */
  readonly resourceArn: string;
  /**
   * Request condition keys beyond the global ones, e.g. `medical-imaging:StudyInstanceUID`,
   * `aws:RequestTag/<key>`, `aws:TagKeys`. Values are strings or string lists.
   */
  readonly conditions?: Readonly<Record<string, string | readonly string[]>>;
}

/** Decides one call. Throws AccessDeniedException when the principal may not do it. */
export interface Authorizer {
  authorize(principal: Principal, request: AuthorizationRequest): Promise<void>;
}
