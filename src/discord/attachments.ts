import type { Attachment } from 'discord.js';
import type { AttachmentRef } from '../input/readAttachments.js';

/** A discord.js attachment as the core reads it: where to fetch it, and what Discord says it is. */
export const attachmentRef = (attachment: Attachment): AttachmentRef => ({
  url: attachment.url,
  name: attachment.name,
  size: attachment.size,
  contentType: attachment.contentType,
});
