/**
 * The processor the IMAP watchers run on every mail: classify it by its MIME structure
 * (a delivery-status report, a disposition notification), then by its words (a bounce
 * that is not RFC 3464), or anything else = a reply,
 * hand it to its handler, count the outcome. Every mailbox may hold all three: DSNs and
 * Sieve rejects go to the envelope sender, MDNs to Disposition-Notification-To, replies
 * to Reply-To, and a deployment may point them at one mailbox or several.
 *
 * Contract (MailProcessor): a mail that cannot be used (malformed, foreign) is an
 * outcome, never a throw; only transient trouble (database, queue) throws, and the
 * watcher then retries the same mail.
 */
import { looksLikeBounce } from '../codecs/bounce-text.js';
import { isDeliveryStatusReport } from '../codecs/dsn.js';
import { isDispositionNotification } from '../codecs/mdn.js';
import { headerValue, normalizeMessageId, parseMimeMessage, type MimePart } from '../codecs/mime.js';
import { isHeraldError } from '../errors.js';
import type { MailProcessor, MailSource } from '../ports/mailbox-watcher.port.js';
import { handleTextBounce } from './bounce-report.js';
import { handleDsn } from './dsn-report.js';
import type { InboundDeps } from './inbound-deps.js';
import { handleMdn } from './mdn-report.js';
import { handleReply } from './reply-relay.js';

type Kind = 'dsn' | 'mdn' | 'bounce' | 'reply';

/** A bounce in words (not RFC 3464) is told by its sender, subject and wording: bounce-text.ts. */
function kindOf(root: MimePart): Kind {
  if (isDeliveryStatusReport(root)) return 'dsn';
  if (isDispositionNotification(root)) return 'mdn';
  if (looksLikeBounce(root)) return 'bounce';
  return 'reply';
}

/**
 * What names a mail across re-reads: its own Message-ID, else where it sits. The
 * mailbox position survives a restart but not a UIDVALIDITY change; a Message-ID both.
 */
export function reportKeyOf(root: MimePart, source: MailSource): string {
  return normalizeMessageId(headerValue(root.headers, 'message-id')) ?? `${source.watcher}#${source.uidValidity}:${source.uid}`;
}

export function createMailProcessor(deps: InboundDeps): MailProcessor {
  const handlers: Readonly<Record<Kind, (root: MimePart, key: string, deps: InboundDeps) => Promise<string>>> = {
    dsn: handleDsn,
    mdn: handleMdn,
    bounce: handleTextBounce,
    reply: handleReply,
  };
  return async (raw, source) => {
    let root: MimePart;
    try {
      root = parseMimeMessage(raw);
    } catch (err) {
      deps.log.warn({ err, watcher: source.watcher, uid: source.uid }, 'unreadable mail skipped');
      deps.metrics.emailInbound.inc({ kind: 'other', outcome: 'malformed' });
      return 'other:malformed';
    }
    const kind = kindOf(root);
    const key = reportKeyOf(root, source);
    let outcome: string;
    try {
      outcome = await handlers[kind](root, key, deps);
    } catch (err) {
      // Transient trouble: the watcher keeps the mail and tries again.
      if (!isHeraldError(err) || !err.permanent) throw err;
      deps.log.warn({ err, watcher: source.watcher, uid: source.uid, kind, reportKey: key }, 'mail skipped');
      outcome = 'malformed';
    }
    deps.metrics.emailInbound.inc({ kind, outcome });
    return `${kind}:${outcome}`;
  };
}
