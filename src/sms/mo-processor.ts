/**
 * Mobile-originated SMS → a message to the IM user the destination number belongs to.
 *
 * Durable before acknowledged: handle() resolves (and the adapter answers ESME_ROK) only
 * once the part is in the ledger: a single SMS as a recorded message with its `sip`
 * delivery, a part of a concatenated one in the MO part store. The `sip-deliver` job then
 * sends the MESSAGE; a crash between recording and enqueueing is healed by the stranded
 * sweep, which re-queues `accepted` deliveries.
 */
import { createHash } from 'node:crypto';
import type { HeraldConfig } from '../config.js';
import { decodeSmsText } from '../codecs/sms-segments.js';
import { newId } from '../domain/ids.js';
import { jobForChannel } from '../domain/jobs.js';
import type { NewDelivery, NewMessage } from '../domain/message.js';
import { groupOfReply, replyCopies } from '../groups/reply-group.js';
import type { GroupMessage, GroupStore } from '../ports/group-store.port.js';
import { isHeraldError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';
import type { JobQueue } from '../ports/job-queue.port.js';
import type { Ledger } from '../ports/ledger.port.js';
import type { IncomingMo, SmsAddress } from '../ports/sms-gateway.port.js';
import { assembleMoText, moGroupKey, splitMo } from './mo-concat.js';
import { MoReassembler, type MoGroup } from './mo-reassembler.js';
import { e164OfSmsAddress } from './sms-address.js';

export interface MoProcessorDeps {
  readonly config: HeraldConfig;
  readonly ledger: Ledger;
  readonly jobs: JobQueue;
  readonly metrics: Metrics;
  readonly log: Logger;
  readonly now?: () => Date;
  /** Finds the group a reply belongs to (REQ-GROUP-4); without it only the directory routes MO SMS. */
  readonly groups?: GroupStore | undefined;
}

/** Who an MO SMS is for: the IM user, and the group it answers when it answers one. */
interface MoTarget {
  readonly imUri: string;
  readonly group?: GroupMessage | undefined;
}

/** What a message to the IM user is made of. */
interface MoText {
  readonly text: string;
  readonly senderUri: string;
  readonly sourceNumber: string;
  readonly destination: string;
  readonly target: MoTarget;
  readonly dedupeKey: string;
  readonly receivedAt: Date;
  readonly parts: number;
  readonly missing: readonly number[];
}

function digestOf(text: string): string {
  return createHash('sha256').update(text).digest('base64url').slice(0, 32);
}

/** Turns MO SMS into messages for IM users (see the module comment). */
export class MoProcessor {
  readonly #deps: MoProcessorDeps;
  readonly #now: () => Date;
  readonly #reassembler: MoReassembler;

  constructor(deps: MoProcessorDeps) {
    this.#deps = deps;
    this.#now = deps.now ?? (() => new Date());
    this.#reassembler = new MoReassembler(deps.ledger.moParts, deps.config.smpp.moReassemblyTimeoutMs, this.#now);
  }

  /**
   * Handles one deliver_sm/data_sm that is not a receipt. Resolves once it is durable, or
   * once it is deliberately dropped (unknown destination, undecodable text: logged and
   * counted; refusing would make the SMSC re-send it forever).
   * @throws GW_ERR_DB_UNREACHABLE and other ledger failures (the SMSC is asked to retry).
   */
  async handle(mo: IncomingMo): Promise<void> {
    const { config, metrics } = this.#deps;
    const log = this.#deps.log.child({ connectionId: mo.connectionId, bindId: mo.bindId });
    const destination = e164OfSmsAddress(mo.destination, config.routing.defaultCountryCode);
    const source = this.#senderOf(mo.source);
    const target = destination === undefined ? undefined : await this.#targetOf(source.number, destination);
    if (destination === undefined || target === undefined) {
      metrics.smsMo.inc({ outcome: 'unknown-destination' });
      log.warn({ destination: mo.destination.address, source: mo.source.address }, 'MO SMS for a number no IM user has: acknowledged and dropped');
      return;
    }
    const { body, concat } = splitMo(mo);
    if (concat === undefined) {
      let text: string;
      try {
        text = decodeSmsText(body, mo.dataCoding);
      } catch (err) {
        if (!isHeraldError(err, 'GW_ERR_CONTENT_CHARSET')) throw err;
        metrics.smsMo.inc({ outcome: 'malformed' });
        log.warn({ dataCoding: mo.dataCoding, source: source.number }, 'MO SMS is not text: acknowledged and dropped');
        return;
      }
      await this.#record({ ...source, text, destination, target, dedupeKey: `sms-mo:${newId()}`, receivedAt: this.#now(), parts: 1, missing: [] }, log);
      return;
    }
    const groupKey = moGroupKey(source.number, destination, concat);
    const group = await this.#reassembler.add({
      groupKey,
      connectionId: mo.connectionId,
      source: source.number,
      destination,
      ref: concat.ref,
      total: concat.total,
      seq: concat.seq,
      dataCoding: mo.dataCoding,
      body,
    });
    metrics.smsMo.inc({ outcome: 'part-stored' });
    log.debug({ groupKey, seq: concat.seq, total: concat.total }, 'MO part stored');
    if (group !== undefined) await this.#deliverGroup(group, log);
  }

  /**
   * Delivers the groups whose parts stopped coming (what arrived, with markers for the
   * gaps). Run periodically.
   * @throws GW_ERR_DB_UNREACHABLE
   */
  async sweep(): Promise<number> {
    const groups = await this.#reassembler.expired();
    for (const group of groups) await this.#deliverGroup(group, this.#deps.log);
    return groups.length;
  }

  /**
   * The IM user an MO SMS is for: the owner of the number it was sent to (directory), else,
   * when that number is no one's (a shared gateway number), the sender of the latest group
   * message the replier was a member of within the reply window. With a directory hit the
   * group is looked for among that user's messages only (REQ-GROUP-4).
   * @throws GW_ERR_DB_UNREACHABLE
   */
  async #targetOf(sourceNumber: string, destination: string): Promise<MoTarget | undefined> {
    const { ledger, config, groups } = this.#deps;
    const entry = await ledger.directory.byMsisdn(destination);
    // Only a phone number can have been a group member; an alphanumeric sender id cannot.
    const memberUri = sourceNumber.startsWith('+') ? `tel:${sourceNumber}` : undefined;
    const group = memberUri === undefined ? undefined : await groupOfReply(groups, config.groups, memberUri, this.#now(), entry?.imUri);
    if (entry !== undefined) return { imUri: entry.imUri, group };
    return group === undefined ? undefined : { imUri: group.message.senderUri, group };
  }

  #senderOf(source: SmsAddress): { senderUri: string; sourceNumber: string; number: string } {
    const e164 = e164OfSmsAddress(source, this.#deps.config.routing.defaultCountryCode);
    if (e164 !== undefined) return { senderUri: `tel:${e164}`, sourceNumber: e164, number: e164 };
    // An alphanumeric sender id is no phone number: give it a SIP identity of ours.
    const id = source.address.trim() || 'unknown';
    return { senderUri: `sip:${encodeURIComponent(id)}@${this.#deps.config.sip.domain}`, sourceNumber: id, number: id };
  }

  async #deliverGroup(group: MoGroup, parentLog: Logger): Promise<void> {
    const first = group.parts[0];
    if (first === undefined) return;
    const log = parentLog.child({ groupKey: group.groupKey });
    const target = await this.#targetOf(first.source, first.destination);
    if (target === undefined) {
      this.#deps.metrics.smsMo.inc({ outcome: 'unknown-destination' });
      log.warn({ destination: first.destination }, 'MO SMS for a number no IM user has any more: dropped');
      await this.#reassembler.done(group);
      return;
    }
    const { text, missing } = assembleMoText(group.parts, group.total);
    const sender = first.source.startsWith('+')
      ? { senderUri: `tel:${first.source}`, sourceNumber: first.source }
      : { senderUri: `sip:${encodeURIComponent(first.source)}@${this.#deps.config.sip.domain}`, sourceNumber: first.source };
    // The same stored parts always give the same key: a second node (or a retry after a
    // crash before `done`) finds the message already recorded.
    const firstId = group.parts.reduce((min, part) => (BigInt(part.id) < BigInt(min) ? part.id : min), first.id);
    await this.#record(
      {
        ...sender,
        text,
        destination: first.destination,
        target,
        dedupeKey: `sms-mo:${digestOf(`${group.groupKey}\n${firstId}`)}`,
        receivedAt: first.receivedAt,
        parts: group.total,
        missing,
      },
      log,
    );
    await this.#reassembler.done(group);
  }

  async #record(mo: MoText, parentLog: Logger): Promise<void> {
    const { ledger, jobs, metrics } = this.#deps;
    const message: NewMessage = {
      id: newId(),
      direction: 'mo',
      sourceChannel: 'sms',
      senderUri: mo.senderUri,
      imdnRequests: [],
      imdnRoute: [],
      contentType: 'text/plain;charset=UTF-8',
      body: Buffer.from(mo.text, 'utf8'),
      sentAt: mo.receivedAt,
      dedupeKey: mo.dedupeKey,
    };
    const deliveryId = newId();
    const copies = mo.target.group === undefined ? [] : replyCopies(mo.target.group, mo.senderUri, this.#deps.config.groups);
    // With copies it is a group message of its own: the copies' list line names the IM user.
    const deliveries: NewDelivery[] = [
      { id: deliveryId, channel: 'sip', originalRecipientUri: `tel:${mo.destination}`, targetUri: mo.target.imUri, ...(copies.length > 0 ? { copyControl: 'to' } : {}) },
      ...copies,
    ];
    const recorded = await ledger.recordMessage(message, deliveries);
    const log = parentLog.child({ msgId: recorded.message.id, deliveryId: recorded.deliveries[0]?.id });
    if (recorded.duplicate) {
      log.info({}, 'MO SMS already recorded');
      return;
    }
    metrics.smsMo.inc({ outcome: mo.missing.length > 0 ? 'incomplete' : 'delivered' });
    metrics.messagesAccepted.inc({ direction: 'mo', channel: 'sms' });
    log.info(
      { from: mo.sourceNumber, to: mo.target.imUri, parts: mo.parts, missing: mo.missing, groupMsgId: mo.target.group?.message.id, copies: copies.length },
      'MO SMS recorded for its IM user',
    );
    for (const delivery of recorded.deliveries) {
      try {
        // The delivery stays `accepted`: the channel worker moves it on itself, and a
        // concurrent accepted → queued here would race it. A lost enqueue is re-done by the
        // stranded sweep, which looks for exactly such `accepted` deliveries.
        await jobs.enqueue(jobForChannel(delivery.channel), { deliveryId: delivery.id }, { jobId: delivery.id });
      } catch (err) {
        // Durable already: the stranded sweep queues it. The SMSC must not send it again.
        log.warn({ err, deliveryId: delivery.id }, 'enqueue of MO relay failed; left for the stranded sweep');
      }
    }
  }
}
