// @ts-check
/**
 * Shapes of the admin API's answers the dashboard reads (see /api/v1/openapi.json).
 * Type declarations only.
 */

/** @typedef {{ tokenId: string, name: string, role: 'viewer' | 'admin', via: 'bearer' | 'session' }} Me */

/**
 * @typedef {object} Delivery
 * @property {string} id
 * @property {string} messageId
 * @property {'sms' | 'email' | 'sip'} channel
 * @property {string} originalRecipientUri
 * @property {string} targetUri
 * @property {string} state
 * @property {string | null} errorCode
 * @property {string | null} errorText
 * @property {string | null} farSideAt
 * @property {string} createdAt
 * @property {string} updatedAt
 */

/**
 * @typedef {object} Segment
 * @property {string} id
 * @property {number} seq
 * @property {number} total
 * @property {string} connectionId
 * @property {string} smscMessageId
 * @property {string} state
 * @property {string | null} errorCode
 * @property {string} submittedAt
 * @property {string | null} finalAt
 */

/** @typedef {{ kind: string, key: string, deliveryId: string, createdAt: string }} Correlation */

/**
 * @typedef {object} TimelineEvent
 * @property {string} id
 * @property {string | null} deliveryId
 * @property {string} at
 * @property {string} type
 * @property {string | null} fromState
 * @property {string | null} toState
 * @property {string} cause
 * @property {Record<string, unknown>} detail
 */

/**
 * The MSRP session a message came in (session mode).
 * @typedef {object} MsrpSession
 * @property {string} id
 * @property {string} callId
 * @property {string} imUser
 * @property {string} farParty
 * @property {boolean} largeMessageMode
 * @property {boolean} secure
 * @property {string} node
 * @property {string} startedAt
 * @property {string | null} endedAt
 * @property {string | null} endReason
 */

/**
 * @typedef {object} MessageHead
 * @property {string} id
 * @property {'mt' | 'mo'} direction
 * @property {string} sourceChannel
 * @property {string} senderUri
 * @property {string | null} senderDisplayName
 * @property {string | null} imdnMessageId
 * @property {string | null} subject
 * @property {string} contentType
 * @property {string} sentAt
 * @property {string} createdAt
 * @property {MsrpSession | null} session null for page mode
 */

/** @typedef {MessageHead & { deliveries: Delivery[] }} MessageSummary */

/**
 * @typedef {MessageHead & {
 *   sipCallId: string | null,
 *   body: { encoding: 'utf8' | 'base64', data: string, bytes: number },
 *   deliveries: Array<Delivery & { reason: string | null, segments: Segment[], correlations: Correlation[] }>,
 *   events: TimelineEvent[],
 * }} MessageDetail
 */

/** @typedef {{ items: MessageSummary[], nextCursor: string | null }} MessagePage */

/** @typedef {{ at: string, delivered: number, failed: number, expired: number, rejected: number, cancelled: number }} ThroughputPoint */

/** @typedef {{ channel: string, delivered: number, unsuccessful: number, successRate: number | null, points: ThroughputPoint[] }} ChannelSeries */

/** @typedef {{ window: string, bucketSeconds: number, from: string, to: string, channels: ChannelSeries[] }} Throughput */

/** @typedef {{ id: string, mode: string, state: string, inFlight: number, since: string, reconnects: number }} Bind */

/**
 * @typedef {object} SmppConnection
 * @property {string} id
 * @property {boolean} enabled
 * @property {string} state
 * @property {Bind[]} binds
 * @property {{ inFlight: number, capacity: number }} window
 * @property {{ at: string, code: string, detail: string } | null} lastError
 */

/**
 * @typedef {object} Health
 * @property {string} status
 * @property {Array<{ name: string, ok: boolean, detail: string }>} checks
 * @property {{ configured: boolean, connections: SmppConnection[] }} smpp
 */

/** @typedef {{ name: string, waiting: number, active: number, delayed: number, prioritized: number, completed: number, failed: number }} QueueCounts */

export {};
