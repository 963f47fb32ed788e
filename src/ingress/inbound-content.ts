import type { ImdnRequestToken } from '../domain/message.js';

/** The CPIM envelope of an IM (RFC 3862 headers plus the IMDN request, RFC 5438). */
export interface CpimEnvelope {
  readonly from?: { readonly uri: string; readonly displayName?: string | undefined } | undefined;
  readonly to: readonly { readonly uri: string; readonly displayName?: string | undefined }[];
  readonly subject?: string | undefined;
  readonly dateTime?: Date | undefined;
  readonly imdnMessageId?: string | undefined;
  readonly imdnRequests: readonly ImdnRequestToken[];
  /** imdn.IMDN-Record-Route entries, topmost first. */
  readonly imdnRoute: readonly string[];
  readonly originalTo?: string | undefined;
}

/** What a MESSAGE body turned out to be, once decoded and parsed. */
export type InboundContent =
  | {
      readonly kind: 'text';
      readonly text: string;
      /** Media type of the payload (text/plain, …), without parameters. */
      readonly mediaType: string;
      readonly envelope?: CpimEnvelope | undefined;
    }
  | {
      /** An IMDN addressed to Herald (RFC 5438 notification). */
      readonly kind: 'notification';
      readonly messageId: string;
      readonly status: string;
      readonly notificationType: string;
      readonly datetime?: Date | undefined;
      readonly envelope?: CpimEnvelope | undefined;
    }
  | { readonly kind: 'is-composing'; readonly envelope?: CpimEnvelope | undefined }
  | {
      /** Non-text content (image/*, audio/*, application/*). */
      readonly kind: 'media';
      readonly mediaType: string;
      readonly body: Buffer;
      readonly envelope?: CpimEnvelope | undefined;
    };
