// The one error a frame codec throws: the frame cannot be stored as an image frame (behavior.md §7.1, warning 0xB100).

export class FrameTranscodeError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'FrameTranscodeError';
  }
}
