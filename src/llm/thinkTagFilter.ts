/**
 * Removes inline `<think>…</think>` reasoning (some Ollama/Qwen/DeepSeek setups) from a streamed answer. A tag may
 * arrive split over several chunks, so a tail that could be the start of a tag is held back until the next chunk.
 */
const OPEN = '<think>';
const CLOSE = '</think>';

/** Length of the longest proper prefix of `tag` that `text` ends with. */
function partialTagLength(text: string, tag: string): number {
  for (let k = Math.min(tag.length - 1, text.length); k > 0; k--) if (text.endsWith(tag.slice(0, k))) return k;
  return 0;
}

export class ThinkTagFilter {
  private held = '';
  private inside = false;
  private sawThink = false;
  private emitted = false;

  /** True while inside a think block (the model is reasoning). */
  get thinking(): boolean {
    return this.inside;
  }

  /** Feed one chunk; returns the answer text it releases (possibly empty). */
  push(chunk: string): string {
    let text = this.held + chunk;
    this.held = '';
    let out = '';
    for (;;) {
      const tag = this.inside ? CLOSE : OPEN;
      const at = text.indexOf(tag);
      if (at < 0) break;
      if (!this.inside) out += text.slice(0, at);
      text = text.slice(at + tag.length);
      this.inside = !this.inside;
      this.sawThink = true;
    }
    const keep = partialTagLength(text, this.inside ? CLOSE : OPEN);
    this.held = text.slice(text.length - keep);
    if (!this.inside) out += text.slice(0, text.length - keep);
    return this.release(out);
  }

  /** End of stream: a held partial tag was answer text after all; an unclosed think block is dropped. */
  flush(): string {
    const rest = this.inside ? '' : this.held;
    this.held = '';
    return this.release(rest);
  }

  /** After a think block, models put blank lines before the answer: the answer starts at its first real character. */
  private release(text: string): string {
    if (this.emitted || !this.sawThink) {
      this.emitted ||= text !== '';
      return text;
    }
    const trimmed = text.trimStart();
    this.emitted = trimmed !== '';
    return trimmed;
  }
}
