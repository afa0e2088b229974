/** Discord thread names are 1–100 characters. */
const MAX_THREAD_NAME = 100;
const NAME_WORDS = 8;

/** A thread name from the first words of the message, without markup that reads badly in a channel list. */
export function threadName(text: string, fallback = 'Conversation'): string {
  const plain = text
    .replace(/<a?:(\w+):\d+>/g, '$1') // custom emoji
    .replace(/<[@#][!&]?\d+>/g, '') // mentions
    .replace(/```[\s\S]*?(```|$)/g, ' ') // code blocks
    .replace(/[`*_~|>#]/g, '')
    .replace(/\s+/g, ' ')
    .trim();
  const words = plain.split(' ').filter(Boolean).slice(0, NAME_WORDS).join(' ');
  if (words === '') return fallback;
  if (words.length <= MAX_THREAD_NAME) return words;
  return `${[...words]
    .slice(0, MAX_THREAD_NAME - 1)
    .join('')
    .trimEnd()}…`;
}

/** Strip mentions of the bot so the model sees only what the user asked. */
export function withoutBotMention(content: string, botId: string): string {
  return content.replace(new RegExp(`<@!?${botId}>`, 'g'), '').trim();
}
