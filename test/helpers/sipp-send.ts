/**
 * Sends one MESSAGE with an arbitrary body (binary too) from sipp and returns the final
 * response sipp received. The body goes through sipp's `[file name=…]` injection, so it
 * must not contain NUL bytes (sipp builds messages as C strings); sipp appends CRLF.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runSipp, type SippResult, type SippTransport } from './sipp.js';

export interface SippSendOptions {
  readonly gatewayPort: number;
  readonly transport: SippTransport;
  readonly body: Buffer | string;
  /** Extra request headers, e.g. Content-Type, Content-Encoding, Require. */
  readonly headers: Readonly<Record<string, string>>;
  /** Request-URI user part, e.g. +15551234567. */
  readonly toUser: string;
  /** Send the request this many times in one call: same Call-ID and CSeq, a new branch each. */
  readonly repeat?: number;
  readonly localHost?: string;
  readonly method?: string;
  /** URI parameters after host:port, e.g. `;user=phone`. */
  readonly uriParams?: string;
  /** The whole Request-URI (and To), e.g. `sip:carol@example.org`; sipp still sends to the gateway. */
  readonly requestUri?: string;
}

export interface SippResponse {
  readonly status: number;
  readonly reason: string;
  /** Header values by lower-case name. */
  readonly headers: Readonly<Record<string, string>>;
  readonly result: SippResult;
}

const STATUSES = [200, 202, 400, 401, 403, 404, 405, 413, 415, 420, 480, 488, 500, 503];

function scenario(bodyFile: string, options: SippSendOptions): string {
  const method = options.method ?? 'MESSAGE';
  const extra = Object.entries(options.headers)
    .map(([name, value]) => `      ${name}: ${value}`)
    .join('\n');
  const requestUri = options.requestUri ?? `sip:${options.toUser}@[remote_ip]:[remote_port]${options.uriParams ?? ''}`;
  const toUri = options.requestUri ?? `sip:${options.toUser}@[remote_ip]`;
  const rounds: string[] = [];
  for (let n = 0; n < (options.repeat ?? 1); n++) {
    const recv = STATUSES.map((s, i) => `  <recv response="${s}"${i < STATUSES.length - 1 ? ' optional="true"' : ''} next="got${n}"/>`);
    rounds.push(`  <send retrans="500">
    <![CDATA[
      ${method} ${requestUri} SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: <sip:alice@[local_ip]>;tag=[pid]SIPpTag[call_number]
      To: <${toUri}>
      Call-ID: [call_id]
      CSeq: 1 ${method}
      Max-Forwards: 70
${extra}
      Content-Length: [len]

[file name="${bodyFile}"]
    ]]>
  </send>
  <recv response="100" optional="true"/>
${recv.join('\n')}
  <label id="got${n}"/>`);
  }
  return `<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="send-body">
${rounds.join('\n')}
</scenario>
`;
}

/** Parses the last response in sipp's message trace. */
export function lastResponse(messages: string): Omit<SippResponse, 'result'> | undefined {
  const starts = [...messages.matchAll(/^SIP\/2\.0 (\d{3}) ?(.*)$/gm)];
  const last = starts[starts.length - 1];
  if (last === undefined || last.index === undefined) return undefined;
  const block = messages.slice(last.index).split(/\r?\n\r?\n/)[0] ?? '';
  const headers: Record<string, string> = {};
  for (const line of block.split(/\r?\n/).slice(1)) {
    const colon = line.indexOf(':');
    if (colon > 0) {
      const name = line.slice(0, colon).trim().toLowerCase();
      const value = line.slice(colon + 1).trim();
      headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
    }
  }
  return { status: Number(last[1]), reason: (last[2] ?? '').trim(), headers };
}

export async function sippSend(options: SippSendOptions): Promise<SippResponse> {
  const dir = mkdtempSync(join(tmpdir(), 'herald-sipp-body-'));
  const bodyFile = join(dir, 'body.bin');
  const body = Buffer.isBuffer(options.body) ? options.body : Buffer.from(options.body, 'utf8');
  if (body.includes(0)) throw new Error('sipp cannot send a body with NUL bytes');
  writeFileSync(bodyFile, body);
  const scenarioFile = join(dir, 'scenario.xml');
  writeFileSync(scenarioFile, scenario(bodyFile, options), 'latin1');
  const run = await runSipp({
    scenario: scenarioFile,
    remote: `127.0.0.1:${options.gatewayPort}`,
    transport: options.transport,
    localHost: options.localHost,
    timeoutMs: 15_000,
  });
  const result = await run.done;
  const response = lastResponse(result.messages);
  if (response === undefined) throw new Error(`sipp got no response: ${result.stderr} ${result.errors}`);
  return { ...response, result };
}
