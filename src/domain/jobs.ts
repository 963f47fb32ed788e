/**
 * Every job Herald runs, with its payload. Jobs carry ids, never bodies: the ledger holds
 * the truth and workers read it, so a job re-delivered by the queue sees the current state.
 */
export interface JobPayloads {
  /** Send one SMS delivery (all its segments). */
  'sms-submit': { readonly deliveryId: string };
  /** Send one email delivery. */
  'email-send': { readonly deliveryId: string };
  /** Relay an MO message to its IM user as a SIP MESSAGE. */
  'sip-deliver': { readonly deliveryId: string };
  /** Send one IMDN for a delivery. */
  'imdn-send': { readonly deliveryId: string; readonly notificationId: string };
  /** Append a message (and its dispositions) to the IMAP archive. */
  archive: { readonly messageId: string };
}

export type JobName = keyof JobPayloads;

/** The jobs that carry a delivery out on its channel. */
export type ChannelJobName = 'sms-submit' | 'email-send' | 'sip-deliver';

/**
 * Deliveries that share one job per channel queue: those a ledger flush recorded for it
 * together (ingress at carrier rates), so a queue job's round trips and its lifecycle are
 * paid once per flush instead of once per message. The id is the same in every queue.
 */
export interface JobBatch {
  readonly jobId: string;
  readonly members: readonly { readonly deliveryId: string; readonly channel: 'sms' | 'email' | 'sip' }[];
}

export const JOB_NAMES: readonly JobName[] = ['sms-submit', 'email-send', 'sip-deliver', 'imdn-send', 'archive'];

/** Items grouped by the channel job that carries each (one queue each), in their order. */
export function byChannelJob<T>(items: readonly T[], channelOf: (item: T) => 'sms' | 'email' | 'sip'): Map<ChannelJobName, T[]> {
  const out = new Map<ChannelJobName, T[]>();
  for (const item of items) {
    const name = jobForChannel(channelOf(item));
    const list = out.get(name) ?? [];
    list.push(item);
    out.set(name, list);
  }
  return out;
}

/** The job that carries a delivery out on its channel. */
export function jobForChannel(channel: 'sms' | 'email' | 'sip'): ChannelJobName {
  switch (channel) {
    case 'sms':
      return 'sms-submit';
    case 'email':
      return 'email-send';
    case 'sip':
      return 'sip-deliver';
  }
}
