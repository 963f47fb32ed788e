/**
 * Runs a background pass (a sweep) at once and then every `everyMs`, never two at a time:
 * a pass that outlasts the interval (a deep backlog, a slow database) makes the next
 * tick skip instead of piling up passes that repeat each other's work.
 */
export interface Periodic {
  /**
   * Stops the timer. A pass in progress is not waited for (a deep backlog would hold
   * shutdown past its deadline); it fails against the closed connections, quietly.
   */
  stop(): Promise<void>;
}

export function runPeriodically(pass: () => Promise<unknown>, everyMs: number, onError: (err: unknown) => void): Periodic {
  let running: Promise<void> | undefined;
  let stopped = false;
  const tick = (): void => {
    if (running !== undefined || stopped) return;
    running = pass()
      .then(
        () => undefined,
        (err: unknown) => {
          if (!stopped) onError(err);
        },
      )
      .finally(() => {
        running = undefined;
      });
  };
  const timer = setInterval(tick, everyMs);
  timer.unref();
  tick();
  return {
    async stop() {
      stopped = true;
      clearInterval(timer);
    },
  };
}
