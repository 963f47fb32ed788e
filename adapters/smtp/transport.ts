/**
 * Pooled SMTP to one relay (nodemailer's smtp-pool): {@link MailTransport} for the email
 * channel. The connection class keeps only lifecycle and status; building the message is
 * ops/build-message.ts and every failure goes through smtp-error.ts.
 */
import nodemailer, { type Transporter } from 'nodemailer';
import type SMTPPool from 'nodemailer/lib/smtp-pool/index.js';
import type { SmtpConfig } from '../../src/config-email.js';
import { heraldError, type HeraldError } from '../../src/errors.js';
import type { Logger } from '../../src/logger.js';
import type { MailSendResult, MailTransport, MailTransportStatus, OutgoingMail } from '../../src/ports/mail-transport.port.js';
import { buildMessage } from './ops/build-message.js';
import { configurationProblem, isRelayFailure } from './relay-health.js';
import { smtpError } from './smtp-error.js';

/** nodemailer's bunyan-style logger, routed to pino at debug: wire traces are debug (STYLE 12). */
function wireLogger(log: Logger): SMTPPool.Options['logger'] {
  const at = (meta: object, message: string, ...args: unknown[]): void => log.debug(meta, message, ...args);
  return { level: () => undefined, trace: at, debug: at, info: at, warn: at, error: at, fatal: at } as unknown as SMTPPool.Options['logger'];
}

function poolOptions(config: SmtpConfig & { host: string }, log: Logger): SMTPPool.Options {
  return {
    pool: true,
    host: config.host,
    port: config.port,
    secure: config.secure,
    requireTLS: !config.secure && config.starttls === 'required',
    ignoreTLS: !config.secure && config.starttls === 'off',
    tls: { rejectUnauthorized: config.tlsRejectUnauthorized },
    ...(config.username === undefined ? {} : { auth: { user: config.username, pass: config.password ?? '' } }),
    ...(config.heloName === undefined ? {} : { name: config.heloName }),
    maxConnections: config.poolSize,
    maxMessages: config.maxMessagesPerConnection,
    connectionTimeout: config.connectionTimeoutMs,
    greetingTimeout: config.greetingTimeoutMs,
    socketTimeout: config.socketTimeoutMs,
    logger: log.isLevelEnabled('debug') ? wireLogger(log) : false,
    // Only meaningful with a logger: the SMTP dialogue, credentials masked by nodemailer.
    debug: log.isLevelEnabled('trace'),
  };
}

export class SmtpMailTransport implements MailTransport {
  readonly configured: boolean;
  readonly #config: SmtpConfig;
  readonly #log: Logger;
  #transport: Transporter<SMTPPool.SentMessageInfo> | undefined;
  #status: MailTransportStatus;

  constructor(config: SmtpConfig, log: Logger) {
    this.#config = config;
    this.#log = log.child({ component: 'smtp' });
    this.configured = config.host !== undefined;
    this.#status = config.host === undefined ? { state: 'none-configured' } : { state: 'idle', host: config.host };
  }

  status(): MailTransportStatus {
    return this.#status;
  }

  /** @throws see {@link MailTransport.send} */
  async send(mail: OutgoingMail): Promise<MailSendResult> {
    const host = this.#config.host;
    if (host === undefined) throw heraldError('GW_ERR_SMTP_UNAVAILABLE', 'no SMTP relay configured (smtp.host)');
    const message = buildMessage(mail);
    this.#transport ??= nodemailer.createTransport(poolOptions({ ...this.#config, host }, this.#log));
    let info: SMTPPool.SentMessageInfo;
    try {
      info = await this.#transport.sendMail(message);
    } catch (err) {
      throw this.#relayFailed(smtpError(err, host), host);
    }
    this.#status = { state: 'up', host };
    const refused = info.rejectedErrors?.[0];
    if (refused !== undefined || info.accepted.length === 0) throw smtpError(refused ?? { message: 'recipient not accepted' }, host);
    return { response: String(info.response) };
  }

  /**
   * Connects once (EHLO, STARTTLS, AUTH as configured) and records the outcome in
   * status(); a configuration error is logged at start in one line. Never throws.
   */
  async probe(): Promise<void> {
    const host = this.#config.host;
    if (host === undefined) return;
    const once = nodemailer.createTransport({ ...poolOptions({ ...this.#config, host }, this.#log), pool: false, maxConnections: undefined, maxMessages: undefined } as SMTPPool.Options);
    try {
      await once.verify();
      if (this.#status.state === 'idle') this.#status = { state: 'up', host };
      this.#log.info({ relay: `${host}:${String(this.#config.port)}` }, 'SMTP relay answers');
    } catch (err) {
      const error = this.#relayFailed(smtpError(err, host), host);
      const problem = configurationProblem(error, this.#config);
      if (problem !== undefined) this.#log.error({ relay: `${host}:${String(this.#config.port)}`, error: error.detail }, `SMTP relay configuration error: ${problem}; email deliveries wait`);
      else this.#log.warn({ relay: `${host}:${String(this.#config.port)}`, error: error.detail }, 'SMTP relay does not answer; email deliveries wait and retry');
    } finally {
      once.close();
    }
  }

  /** Records a failure of the relay (not of one mail) in status(); returns the error to throw. */
  #relayFailed(error: HeraldError, host: string): HeraldError {
    if (!isRelayFailure(error)) return error;
    const problem = configurationProblem(error, this.#config);
    const named = problem === undefined ? error : heraldError(error.code, `${host}: configuration error: ${problem} (${error.detail})`, { cause: error, meta: { ...error.meta, configuration: problem } });
    const since = this.#status.state === 'failing' ? this.#status.since : Date.now();
    this.#status = { state: 'failing', host, lastError: named.detail, since, ...(problem === undefined ? {} : { configuration: problem }) };
    return named;
  }

  async close(): Promise<void> {
    this.#transport?.close();
    this.#transport = undefined;
  }
}
