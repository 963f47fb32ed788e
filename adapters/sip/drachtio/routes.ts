import type { Srf, SrfMiddleware } from '../types/drachtio-srf.js';

/**
 * The methods Herald asks drachtio-server to route to it. drachtio-server offers a request
 * outside a dialog only to an application that routed its method and answers every other
 * one 503 itself ("No providers available", controller.cpp), which tells a client to try
 * again later. So every method that can open a transaction outside a dialog is routed, and
 * the core answers it as the standalone edge does: MESSAGE and OPTIONS served, the rest 405
 * with Allow. CANCEL, ACK, BYE, PRACK and UPDATE belong to transactions and dialogs that
 * drachtio-server keeps itself (there are none for Herald), so they are not routed.
 */
export const ROUTED_METHODS = ['message', 'options', 'invite', 'subscribe', 'notify', 'refer', 'info', 'publish', 'register'] as const;

/**
 * Session mode adds the requests inside the dialogs Herald's 200s make. drachtio-server
 * sends those to the app holding the dialog whatever it routed, but srf answers a request
 * no middleware takes with 404 (ACK excepted), so BYE and UPDATE need a route of their own.
 * A re-INVITE arrives on the `invite` route. Out-of-dialog BYE or UPDATE, now offered too,
 * get the core's 481.
 */
export const SESSION_ROUTED_METHODS = ['bye', 'update'] as const;

/** Routes each of {@link ROUTED_METHODS} (and, for sessions, {@link SESSION_ROUTED_METHODS}) to `handler`. */
export function routeMethods(srf: Srf, handler: SrfMiddleware, sessions = false): void {
  for (const method of [...ROUTED_METHODS, ...(sessions ? SESSION_ROUTED_METHODS : [])]) srf.use(method, handler);
}
