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

export const JOB_NAMES: readonly JobName[] = ['sms-submit', 'email-send', 'sip-deliver', 'imdn-send', 'archive'];

/** The job that carries a delivery out on its channel. */
export function jobForChannel(channel: 'sms' | 'email' | 'sip'): 'sms-submit' | 'email-send' | 'sip-deliver' {
  switch (channel) {
    case 'sms':
      return 'sms-submit';
    case 'email':
      return 'email-send';
    case 'sip':
      return 'sip-deliver';
  }
}
