/** The moderation check (`omni-moderation-latest`, free): flagged input never reaches the chat model. */
import type { ModerationVerdict } from './chatTypes.js';
import type { Transport } from './openaiTransport.js';

export const MODERATION_MODEL = 'omni-moderation-latest';

/**
 * One moderation call through the shared request helper. Its rate-limit headers describe the moderation endpoint's
 * own limits, not the chat limits, so they are not fed to the chat limiter.
 */
export async function moderateOnce(
  transport: Transport,
  text: string,
  signal?: AbortSignal,
): Promise<ModerationVerdict> {
  const response = await transport.send(
    transport.openai.moderations.create({ model: MODERATION_MODEL, input: text }, { signal }),
    { observeLimits: false },
  );
  const categories = new Set<string>();
  let flagged = false;
  for (const result of response.results) {
    flagged ||= result.flagged;
    for (const [name, value] of Object.entries(result.categories)) if (value === true) categories.add(name);
  }
  return { flagged, categories: [...categories] };
}
