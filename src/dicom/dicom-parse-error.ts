// DicomParseError: the input is not a readable DICOM Part 10 object; the message is safe to show to the person who sent the file.

export class DicomParseError extends Error {
  override readonly name = 'DicomParseError';
  /** Byte offset where the problem was found, when there is one. */
  readonly offset: number | undefined;

  constructor(message: string, offset?: number, options?: { cause?: unknown }) {
    super(message, options);
    this.offset = offset;
  }
}

/** "(0010,0010)" — the way DICOM people write a tag in prose. */
export function formatTag(group: number, element: number): string {
  return `(${hex4(group)},${hex4(element)})`;
}

export function hex4(value: number): string {
  return value.toString(16).toUpperCase().padStart(4, '0');
}
