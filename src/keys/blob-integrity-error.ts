// BlobIntegrityError: a sealed blob failed authentication; no plaintext from it may be used.

export class BlobIntegrityError extends Error {
  /** Why the check failed, without the blob name. */
  readonly reason: string;
  /** The context (blob key) the blob was opened under, when known. */
  readonly context: string | undefined;

  constructor(reason: string, context?: string, options?: { cause?: unknown }) {
    const subject = context === undefined ? 'sealed blob' : `sealed blob ${JSON.stringify(context)}`;
    super(`${subject} failed its integrity check: ${reason}`, options);
    this.name = 'BlobIntegrityError';
    this.reason = reason;
    this.context = context;
  }
}
