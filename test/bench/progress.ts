/**
 * The progress line while a scenario runs: redrawn in place on a terminal, one line every
 * few seconds otherwise (CI logs).
 */

const WIDTH = 24;
const PLAIN_EVERY_S = 5;

export interface ProgressState {
  readonly label: string;
  readonly elapsedS: number;
  readonly totalS: number;
  readonly phase: 'sending' | 'draining';
  readonly sent: number;
  readonly accepted: number;
  readonly imdns: number;
  readonly sentPerS: number;
  readonly imdnsPerS: number;
  readonly open: number;
  readonly rssMb: number;
  readonly cpuPercent: number;
}

export class Progress {
  readonly #tty = process.stderr.isTTY === true;
  #lastPlain = -PLAIN_EVERY_S;

  update(s: ProgressState): void {
    const done = Math.max(0, Math.min(1, s.elapsedS / Math.max(1, s.totalS)));
    const filled = Math.round(done * WIDTH);
    const bar = `[${'#'.repeat(filled)}${'.'.repeat(WIDTH - filled)}]`;
    const line =
      `${s.label} ${bar} ${s.elapsedS.toFixed(0)}/${s.totalS}s ${s.phase}` +
      ` sent ${s.sent} (${s.sentPerS.toFixed(0)}/s) 202 ${s.accepted} imdn ${s.imdns} (${s.imdnsPerS.toFixed(0)}/s)` +
      ` open ${s.open} gw ${s.cpuPercent.toFixed(0)}% cpu ${s.rssMb.toFixed(0)} MB`;
    if (this.#tty) {
      process.stderr.write(`\r\x1b[K${line}`);
    } else if (s.elapsedS - this.#lastPlain >= PLAIN_EVERY_S) {
      this.#lastPlain = s.elapsedS;
      process.stderr.write(`${line}\n`);
    }
  }

  done(): void {
    if (this.#tty) process.stderr.write('\n');
  }
}
