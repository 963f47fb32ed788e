/**
 * The `smpp` section of the configuration schema: SMSC connections, destination-prefix
 * routes and the SMS limits. Kept apart from src/config.ts so the carrier settings read
 * as one block; config.ts embeds it (and stays the only reader of process.env).
 *
 * Lists of objects (connections, routes) are JSON in environment variables.
 */
import { z } from 'zod';
import { MESSAGE_ID_MODES, type MessageIdMode } from './codecs/smpp-receipt.js';

const durationMs = z.number().int().min(0);

const messageIdMode = z.enum(MESSAGE_ID_MODES as readonly [MessageIdMode, ...MessageIdMode[]]);
/** One mode, or several applied left to right (normaliseMessageId). */
const idModeChain = z.union([messageIdMode, z.array(messageIdMode).min(1)]);

/** One SMSC: host, credentials, how many binds of which kind, and its limits. */
const smppConnection = z.strictObject({
  id: z.string().regex(/^[A-Za-z0-9_.-]{1,40}$/, 'letters, digits, _ . - only (at most 40)'),
  host: z.string().min(1),
  port: z.number().int().min(1).max(65535).default(2775),
  // SMPP 3.4 §5.2.1: system_id is a C-Octet String of at most 16 octets with its NUL.
  systemId: z.string().min(1).max(15),
  password: z.string().default(''),
  systemType: z.string().max(12).default(''),
  bindMode: z.enum(['transceiver', 'transmitter+receiver']).default('transceiver'),
  /** Binds (or transmitter+receiver pairs) kept open to this SMSC. */
  binds: z.number().int().min(1).max(64).default(1),
  /** submit_sm in flight per bind before waiting for a resp. */
  windowSize: z.number().int().min(1).max(1000).default(10),
  /** Throughput cap for the whole connection (all binds), the SMSC's contracted rate. */
  maxPerSecond: z.number().positive().max(100_000).default(50),
  enquireLinkMs: durationMs.min(1000).default(30_000),
  submitTimeoutMs: durationMs.min(100).default(10_000),
  reconnect: z
    .strictObject({
      minMs: durationMs.default(1_000),
      maxMs: durationMs.default(30_000),
    })
    .prefault({}),
  /**
   * How to normalise SMSC message ids so the submit_sm_resp id and the receipt id match:
   * one mode (or chain) for both, or `{resp, receipt}` when they differ (e.g. hex in the
   * resp, decimal in the receipt: `{"resp":"hex-to-decimal","receipt":"as-is"}`).
   */
  messageIdMode: z
    .union([idModeChain, z.strictObject({ resp: idModeChain.default('as-is'), receipt: idModeChain.default('as-is') })])
    .default('as-is'),
  segmentation: z.enum(['udh8', 'udh16', 'sar', 'payload']).default('udh8'),
  allowLatin1: z.boolean().default(false),
  /** Sender id / short code used when the IM sender has no MSISDN in the number directory. */
  sourceAddress: z
    .strictObject({
      address: z.string().min(1).max(20),
      // 5 = alphanumeric (sender id), 3 = network specific (short codes), 1 = international.
      ton: z.number().int().min(0).max(6).default(1),
      npi: z.number().int().min(0).max(18).default(1),
    })
    .optional(),
  maxParts: z.number().int().min(1).max(255).optional(),
  /** submit_sm registered_delivery: 1 receipt on final outcome, 2 on failure only, 0 none. */
  registeredDelivery: z.number().int().min(0).max(2).default(1),
  /**
   * command_status answered to a receipt or MO that could not be stored (database down):
   * SMSCs mostly redeliver only after ESME_RMSGQFUL or ESME_RTHROTTLED.
   */
  inboundErrorStatus: z.enum(['ESME_RMSGQFUL', 'ESME_RTHROTTLED', 'ESME_RX_T_APPN']).default('ESME_RMSGQFUL'),
  /**
   * Whether a receipt with stat ACCEPTD (message_state 6) ends the delivery as delivered.
   * SMPP 3.4 §5.2.28 lists ACCEPTED as a final state; set false for an aggregator that
   * sends ACCEPTD as "taken by the next hop" and a final receipt after it.
   */
  acceptedIsFinal: z.boolean().default(true),
  /** Ask the SMSC with query_sm when a part's receipt is overdue (smpp.receiptOverdueMs). */
  queryOverdue: z.boolean().default(true),
});

const smppRoute = z.strictObject({
  /** Destination prefix in E.164 digits (with or without +); empty matches everything. */
  prefix: z.string().regex(/^\+?\d*$/, 'digits, optionally after +'),
  connection: z.string().min(1),
});

/** The `smpp` section. */
export const smppSchema = z
  .strictObject({
    connections: z
      .array(smppConnection)
      .default([])
      .describe(
        'SMSC connections (JSON list of {id, host, port, systemId, password, systemType, bindMode, binds, windowSize, maxPerSecond, enquireLinkMs, submitTimeoutMs, reconnect, messageIdMode, segmentation, allowLatin1, sourceAddress, maxParts, registeredDelivery, inboundErrorStatus, acceptedIsFinal, queryOverdue}). Empty: SMS deliveries wait.',
      ),
    routes: z
      .array(smppRoute)
      .default([])
      .describe('Destination prefix → connection id (JSON list of {prefix, connection}); longest prefix wins. Empty: the first connection.'),
    maxParts: z
      .number()
      .int()
      .min(1)
      .max(255)
      .default(10)
      .describe('Most SMS parts one message may take (a connection may set its own); SIP ingress answers 413 above it.'),
    heldReceiptTtlMs: durationMs
      .default(86_400_000)
      .describe('How long a receipt whose message id is not (yet) known is kept for late matching.'),
    receiptSweepMs: durationMs
      .min(100)
      .default(5_000)
      .describe('How often held receipts are matched again, expired ones dropped and stale MO parts delivered.'),
    moReassemblyTimeoutMs: durationMs
      .min(100)
      .default(60_000)
      .describe('How long the parts of a concatenated MO SMS are awaited before what arrived is delivered with […] for the gaps.'),
    receiptOverdueMs: durationMs
      .min(1000)
      .default(900_000)
      .describe('How long after its submit a part without a final receipt counts as overdue: Herald then asks the SMSC with query_sm (connections with queryOverdue), again every receiptOverdueMs.'),
    receiptExpiryMs: durationMs
      .min(1000)
      .default(172_800_000)
      .describe('Validity period after which a part with no final receipt (and no final query_sm answer) ends its delivery as expired, cause herald:receipt-never-came. Set it at or above the validity period the SMSC applies.'),
    noConnectionRetryMs: durationMs
      .min(100)
      .default(60_000)
      .describe('Retry delay of an SMS delivery while no SMSC connection is configured or bound.'),
  })
  .superRefine((smpp, ctx) => {
    const ids = new Set<string>();
    smpp.connections.forEach((connection, index) => {
      if (ids.has(connection.id)) ctx.addIssue({ code: 'custom', path: ['connections', index, 'id'], message: `duplicate connection id ${connection.id}` });
      ids.add(connection.id);
      if (connection.reconnect.maxMs < connection.reconnect.minMs) {
        ctx.addIssue({ code: 'custom', path: ['connections', index, 'reconnect'], message: 'maxMs must be ≥ minMs' });
      }
    });
    smpp.routes.forEach((route, index) => {
      if (!ids.has(route.connection)) {
        ctx.addIssue({ code: 'custom', path: ['routes', index, 'connection'], message: `no connection with id ${route.connection}` });
      }
    });
  });

export type SmppConfig = Readonly<z.infer<typeof smppSchema>>;
export type SmppConnectionConfig = SmppConfig['connections'][number];
/** A connection's message id normalisation, as configured. */
export type MessageIdModeSetting = SmppConnectionConfig['messageIdMode'];
