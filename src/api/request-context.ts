// Who is calling and how: handed from the HTTP edge to every operation.

export interface Principal {
  /** e.g. arn:aws:iam::123456789012:user/admin */
  readonly arn: string;
  readonly userName: string;
  readonly accessKeyId: string;
}

export interface RequestContext {
  readonly requestId: string;
  readonly principal: Principal;
  readonly sourceIp: string;
  readonly userAgent: string | undefined;
}
