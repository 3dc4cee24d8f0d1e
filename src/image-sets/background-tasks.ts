// Work that runs after the caller has its answer (image set deletions, updates, copies); close() waits for all of it.
export class BackgroundTasks {
  private readonly running = new Set<Promise<void>>();

  constructor(private readonly onError: ((error: unknown, context: string) => void) | undefined) {}

  /** Runs `work` after `delayMs` (at least until the current answer is written); errors go to onError. */
  start(context: string, work: () => Promise<void>, delayMs = 0): void {
    const task = (async () => {
      await new Promise((resolve) => (delayMs > 0 ? setTimeout(resolve, delayMs) : setImmediate(resolve)));
      await work();
    })()
      .catch((error: unknown) => this.onError?.(error, context))
      .finally(() => this.running.delete(task));
    this.running.add(task);
  }

  async close(): Promise<void> {
    while (this.running.size > 0) await Promise.all(this.running);
  }
}
