/**
 * A user's file we will not use, with the plain-language notice to show them. Thrown inside src/input/ and caught
 * by readAttachments, which turns it into a notice: a bad file never fails the turn.
 */
export type RefusalReason =
  | 'too-many'
  | 'too-big'
  | 'unsupported-type'
  | 'too-long'
  | 'not-text'
  | 'undecodable-image'
  | 'image-too-large'
  | 'vision-off'
  | 'download-failed'
  | 'download-timeout'
  | 'host-not-allowed';

export class AttachmentError extends Error {
  constructor(
    /** Stable code for logs and metrics (no user text in it). */
    readonly reason: RefusalReason,
    /** What the user is told, naming the file. */
    readonly notice: string,
    options?: { cause?: unknown },
  ) {
    super(`attachment refused: ${reason}`, options);
    this.name = 'AttachmentError';
  }
}
