/** Distinct values one label may take before the rest are counted as `other`. */
export const MAX_LABEL_VALUES = 50;
const MAX_LABEL_LENGTH = 64;
export const OVERFLOW_LABEL = 'other';

/**
 * Every distinct label value is a new time series kept forever. Model names can come from guild settings, so an
 * unbounded value set would grow memory and the scrape without limit: cap it per label.
 */
export class BoundedLabels {
  private readonly seen = new Map<string, Set<string>>();

  constructor(private readonly max = MAX_LABEL_VALUES) {}

  value(label: string, raw: string): string {
    const value = raw.slice(0, MAX_LABEL_LENGTH) || 'unknown';
    let values = this.seen.get(label);
    if (!values) {
      values = new Set();
      this.seen.set(label, values);
    }
    if (values.has(value)) return value;
    if (values.size >= this.max) return OVERFLOW_LABEL;
    values.add(value);
    return value;
  }
}
