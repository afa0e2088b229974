/**
 * An MCP tool result as the text the model reads. Text parts pass through; images, audio and links are
 * summarised in a line (the model cannot see them here, and base64 would burn tokens). The text is bounded by
 * MAX_TOOL_RESULT_CHARS with a visible marker so the model knows it saw only part of it.
 */
import type { CallToolResult, ContentBlock } from '@modelcontextprotocol/sdk/types.js';

/** Approximate decoded size of base64 data, for the summary line. */
const base64Bytes = (data: string): number => Math.floor((data.length * 3) / 4);

function describeBlock(block: ContentBlock): string {
  switch (block.type) {
    case 'text':
      return block.text;
    case 'image':
    case 'audio':
      return `[${block.type} ${block.mimeType}, ${base64Bytes(block.data)} bytes, not shown]`;
    case 'resource_link':
      return `[resource link ${block.uri}${block.mimeType ? ` (${block.mimeType})` : ''}]`;
    case 'resource': {
      const { resource } = block;
      if ('text' in resource && typeof resource.text === 'string')
        return `[resource ${resource.uri}]\n${resource.text}`;
      return `[resource ${resource.uri}${resource.mimeType ? ` (${resource.mimeType})` : ''}, binary, not shown]`;
    }
    default:
      return `[${(block as { type: string }).type} content, not shown]`;
  }
}

/** Flatten content parts to text; a result with only structured content is shown as its JSON. */
export function resultToText(result: Pick<CallToolResult, 'content' | 'structuredContent'>): string {
  const parts = (result.content ?? []).map(describeBlock);
  if (parts.length === 0 && result.structuredContent !== undefined) return JSON.stringify(result.structuredContent);
  return parts.join('\n');
}

export const truncationMarker = (shown: number, total: number): string =>
  `\n…[truncated: ${shown} of ${total} characters shown]`;

/** Cut to at most `maxChars` (marker included), never splitting a surrogate pair. */
export function truncateResult(text: string, maxChars: number): string {
  if (text.length <= maxChars) return text;
  let keep = Math.max(0, maxChars - truncationMarker(maxChars, text.length).length);
  const code = text.charCodeAt(keep - 1);
  if (code >= 0xd800 && code <= 0xdbff) keep--;
  return `${text.slice(0, keep)}${truncationMarker(keep, text.length)}`;
}
