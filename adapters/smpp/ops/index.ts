/**
 * The SMPP operations, one per file, registered here (STYLE rule 8): outbound requests
 * the bind runs, and the handlers of requests the SMSC sends us.
 */
import type smpp from 'smpp';
import { bind } from './bind.js';
import type { OpContext } from './context.js';
import { handleDeliverSm, type InboundSink } from './deliver-sm.js';
import { answerEnquireLink, enquireLink } from './enquire-link.js';
import { querySm } from './query-sm.js';
import { submitSm } from './submit-sm.js';
import { answerUnbind, unbind } from './unbind.js';

export type { OpContext } from './context.js';
export type { InboundSink } from './deliver-sm.js';
export type { BindCredentials, BindMode } from './bind.js';
export type { SubmitAnswer } from './submit-sm.js';

/** Requests Herald sends. */
export const OUTBOUND_OPS = { bind, submitSm, enquireLink, unbind, querySm } as const;

/** Requests the SMSC sends; each answers its PDU itself. */
export type InboundOp = (ctx: OpContext, pdu: smpp.PDU, sink: InboundSink) => void;

export const INBOUND_OPS: Readonly<Partial<Record<smpp.CommandName, InboundOp>>> = {
  deliver_sm: handleDeliverSm,
  data_sm: handleDeliverSm,
  enquire_link: (ctx, pdu) => answerEnquireLink(ctx, pdu),
  unbind: (ctx, pdu) => answerUnbind(ctx, pdu),
};
