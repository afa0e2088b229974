/**
 * Runs tasks one at a time per key, in submission order; different keys run concurrently.
 * Used for a thread's turns (one owner of a conversation) and for read-modify-write store records.
 */
export class KeyedQueue {
  private readonly tails = new Map<string, Promise<unknown>>();
  private readonly depths = new Map<string, number>();

  run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    this.depths.set(key, (this.depths.get(key) ?? 0) + 1);
    const result = previous.then(task, task);
    // The chain must survive a failed task; the caller still sees the failure through `result`.
    const tail: Promise<void> = result.then(
      () => this.release(key, tail),
      () => this.release(key, tail),
    );
    this.tails.set(key, tail);
    return result;
  }

  /** Tasks queued or running for `key`. */
  depth(key: string): number {
    return this.depths.get(key) ?? 0;
  }

  /** Keys with queued or running tasks. */
  get activeKeys(): number {
    return this.tails.size;
  }

  /** Resolves when every task submitted so far has settled. */
  async idle(): Promise<void> {
    while (this.tails.size > 0) await Promise.allSettled([...this.tails.values()]);
  }

  private release(key: string, tail: Promise<unknown>): void {
    const depth = (this.depths.get(key) ?? 1) - 1;
    if (depth > 0) this.depths.set(key, depth);
    else this.depths.delete(key);
    if (this.tails.get(key) === tail) this.tails.delete(key);
  }
}
