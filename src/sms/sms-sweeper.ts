/**
 * The SMS channel's periodic work: re-match held receipts (and drop expired ones), and
 * deliver MO groups whose missing parts never came. Runs on every node; the ledger makes
 * concurrent sweeps harmless (releases and dedupe keys decide who wins).
 */
import type { Logger } from '../logger.js';

export interface SweepTask {
  readonly name: string;
  run(): Promise<unknown>;
}

/** Runs `tasks` every `intervalMs`, one pass at a time; a failed pass is logged and retried next time. */
export class SmsSweeper {
  readonly #tasks: readonly SweepTask[];
  readonly #intervalMs: number;
  readonly #log: Logger;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;

  constructor(tasks: readonly SweepTask[], intervalMs: number, log: Logger) {
    this.#tasks = tasks;
    this.#intervalMs = intervalMs;
    this.#log = log;
  }

  start(): void {
    if (this.#timer !== undefined) return;
    this.#timer = setInterval(() => {
      this.#running ??= this.runOnce().finally(() => {
        this.#running = undefined;
      });
    }, this.#intervalMs);
    this.#timer.unref();
  }

  /** One pass of every task. Never rejects. */
  async runOnce(): Promise<void> {
    for (const task of this.#tasks) {
      try {
        await task.run();
      } catch (err) {
        this.#log.warn({ err, task: task.name }, 'SMS sweep failed; retried next interval');
      }
    }
  }

  /** Stops the timer and waits for a pass in progress. */
  async stop(): Promise<void> {
    clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#running;
  }
}
