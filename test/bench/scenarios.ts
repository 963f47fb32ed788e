/**
 * The bench scenarios: what text each MESSAGE carries, how the SMSC simulator answers,
 * and how long and how fast a default run goes.
 */

export type ScenarioName = 'gsm1' | 'ucs2x3' | 'fail10' | 'soak';
export const SCENARIO_NAMES: readonly ScenarioName[] = ['gsm1', 'ucs2x3', 'fail10', 'soak'];

export interface Scenario {
  readonly name: ScenarioName;
  readonly description: string;
  /** SMS parts each message takes (checked against the simulator's submit count). */
  readonly parts: number;
  /** Fraction of receipts the simulator reports UNDELIV (negative-delivery IMDNs). */
  readonly failureRatio: number;
  text(seq: number): string;
}

// Cyrillic is outside GSM 03.38, so the text goes as UCS-2: 67 characters per part with an
// 8-bit concatenation UDH, so 135–201 characters make three parts.
const CYRILLIC = 'Привет из шлюза Herald: это длинное тестовое сообщение для проверки скорости. ';

function ucs2ThreeParts(seq: number): string {
  const head = `#${seq} `;
  return (head + CYRILLIC.repeat(3)).slice(0, 190);
}

const gsm1 = (seq: number): string => `Bench #${seq}: hello from Herald, are you there?`;

export const SCENARIOS: Readonly<Record<ScenarioName, Scenario>> = {
  gsm1: { name: 'gsm1', description: 'short GSM 03.38 text, 1 part, all delivered', parts: 1, failureRatio: 0, text: gsm1 },
  ucs2x3: { name: 'ucs2x3', description: '3-part UCS-2 text, all delivered', parts: 3, failureRatio: 0, text: ucs2ThreeParts },
  fail10: { name: 'fail10', description: 'short GSM text, 10% UNDELIV receipts (negative-delivery IMDNs)', parts: 1, failureRatio: 0.1, text: gsm1 },
  soak: { name: 'soak', description: 'short GSM text at 80% of the measured maximum; RSS must stay flat', parts: 1, failureRatio: 0, text: gsm1 },
};

/** Numbers the load generator addresses: the sequence number is the last 7 digits. */
export const NUMBER_PREFIX = '+1555';
const SEQ_DIGITS = 7;

export function numberFor(seq: number): string {
  return NUMBER_PREFIX + String(seq).padStart(SEQ_DIGITS, '0');
}

/** The sequence number an SMS destination (with or without +, any TON) carries. */
export function seqOfNumber(address: string): number | undefined {
  const digits = address.replace(/\D/g, '');
  if (digits.length < SEQ_DIGITS) return undefined;
  const seq = Number(digits.slice(-SEQ_DIGITS));
  return Number.isInteger(seq) ? seq : undefined;
}

/** imdn.Message-ID of a message, and back (the IMDN's <message-id> names it). */
export function imdnIdFor(runId: string, seq: number): string {
  return `${runId}-${seq}`;
}

export function seqOfImdnId(runId: string, imdnId: string): number | undefined {
  if (!imdnId.startsWith(`${runId}-`)) return undefined;
  const seq = Number(imdnId.slice(runId.length + 1));
  return Number.isInteger(seq) ? seq : undefined;
}
