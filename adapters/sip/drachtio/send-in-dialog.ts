/**
 * A request inside a session dialog (BYE when Herald ends a session) through
 * drachtio-server: srf sends `sip||<dialog id>` and drachtio-server builds the request from
 * the dialog it holds (Request-URI from the peer's Contact, tags, route set, next CSeq), so
 * the edge names only the method and the dialog. Same semantics as the standalone edge's
 * sendInDialog: a timeout resolves 408, drachtio-server refusing (no such dialog) or no
 * connection throws GW_ERR_SIP_SEND_FAILED.
 */
import type { Logger } from 'pino';
import type { SipFinalResponse, SipInDialogRequest } from '../../../src/ports/sip-edge.port.js';
import { sipEdgeError } from '../shared/edge-error.js';
import { parseHeaderBlock, splitMessageText } from '../shared/header-block.js';
import { textFromWire } from '../shared/wire-text.js';
import type { Srf } from '../types/drachtio-srf.js';
import type { DrachtioDialogs } from './dialogs.js';

export interface DrachtioInDialogContext {
  readonly srf: Srf;
  readonly dialogs: DrachtioDialogs;
  readonly log: Logger;
  readonly timeoutMs: number;
}

/** @throws GW_ERR_SIP_SEND_FAILED when the dialog is unknown, not connected, or drachtio-server refuses. */
export function sendInDialog(request: SipInDialogRequest, context: DrachtioInDialogContext): Promise<SipFinalResponse> {
  const dialog = context.dialogs.byCallId(request.callId);
  if (dialog === undefined) {
    return Promise.reject(sipEdgeError('GW_ERR_SIP_SEND_FAILED', `no drachtio dialog for Call-ID ${request.callId}`));
  }
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => resolve({ status: 408, reason: 'Request Timeout', headers: {} }), context.timeoutMs);
    const fail = (err: unknown): void => {
      clearTimeout(timer);
      const detail = err instanceof Error ? err.message : String(err);
      reject(sipEdgeError('GW_ERR_SIP_SEND_FAILED', `drachtio-server did not send ${request.method} in dialog ${dialog.dialogId}: ${detail}`, { cause: err }));
    };
    try {
      // drachtio-server replaces a Request-URI naming `placeholder` with the dialog's remote target (its Contact).
      context.srf.request(dialog.socket, 'sip:placeholder', { method: request.method, stackDialogId: dialog.dialogId, headers: {} }, (err, req) => {
        if (err || req === undefined) return fail(err ?? new Error('no request'));
        req.on('response', (res) => {
          if (res.status < 200) return;
          clearTimeout(timer);
          if (request.method === 'BYE') context.dialogs.remove(request.callId);
          resolve({ status: res.status, reason: textFromWire(res.reason ?? ''), headers: parseHeaderBlock(splitMessageText(res.msg.raw ?? '').headerBlock) });
        });
      });
    } catch (err) {
      fail(err);
    }
  });
}
