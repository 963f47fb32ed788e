/**
 * A plain SIP → SMS message straight into the ledger, for tests that need deliveries to
 * exist without going through ingress.
 */
import { newId } from '../../src/domain/ids.js';
import type { Ledger } from '../../src/ports/ledger.port.js';

export interface SmsMessageSpec {
  /** Recipients' numbers; one SMS delivery each, recorded together (they share updated_at). */
  readonly to?: readonly string[];
  readonly text?: string;
  readonly senderUri?: string;
  /** Recorded for a shared ingress job (what ingress does for SMS): the ledger keeps their facts for the first run. */
  readonly inBatchJob?: boolean;
}

export async function recordSmsMessage(ledger: Pick<Ledger, 'recordMessage'>, spec: SmsMessageSpec = {}): Promise<{ messageId: string; deliveryIds: string[] }> {
  const messageId = newId();
  const to = spec.to ?? ['+15551230000'];
  const deliveryIds = to.map(() => newId());
  await ledger.recordMessage(
    {
      id: messageId,
      direction: 'mt',
      sourceChannel: 'sip',
      senderUri: spec.senderUri ?? 'sip:alice@example.com',
      imdnRequests: [],
      imdnRoute: [],
      contentType: 'text/plain',
      body: Buffer.from(spec.text ?? 'hi', 'utf8'),
      sentAt: new Date(),
      dedupeKey: `test:${messageId}`,
    },
    to.map((number, i) => ({
      id: deliveryIds[i] ?? newId(),
      channel: 'sms' as const,
      originalRecipientUri: `tel:${number}`,
      targetUri: `tel:${number}`,
      inBatchJob: spec.inBatchJob,
    })),
  );
  return { messageId, deliveryIds };
}
