/** Amounts and names as the bot's sentences (src/strings.ts) write them: waits, sizes, quoted names. */

/** A wait, rounded up: `45 s`, `12 min`, `3 h 5 min`. */
export const formatWait = (ms: number): string => {
  const seconds = Math.max(1, Math.ceil(ms / 1000));
  if (seconds < 90) return `${seconds} s`;
  const minutes = Math.ceil(seconds / 60);
  if (minutes < 90) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  return `${hours} h ${minutes % 60} min`;
};

/** Names in typographic quotes, comma-separated. */
export function quoteNames(names: readonly string[]): string {
  return names.map((n) => `“${n}”`).join(', ');
}

/** A size in bytes, KB or MB (one decimal). */
export function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${Math.round((bytes / (1024 * 1024)) * 10) / 10} MB`;
  if (bytes >= 1024) return `${Math.round(bytes / 1024)} KB`;
  return `${bytes} bytes`;
}
