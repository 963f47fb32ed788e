/**
 * The session state of one bind, as a union (STYLE rule 7): each state carries what only
 * it has (a live session, a retry timer), and every operation starts with a guard.
 */
import type smpp from 'smpp';
import { smppError } from './smpp-error.js';

export type BindState =
  | { readonly kind: 'idle' }
  | { readonly kind: 'connecting'; readonly session: smpp.Session }
  | { readonly kind: 'binding'; readonly session: smpp.Session }
  | { readonly kind: 'bound'; readonly session: smpp.Session }
  | { readonly kind: 'unbinding'; readonly session: smpp.Session }
  | { readonly kind: 'backoff'; readonly attempt: number; readonly timer: NodeJS.Timeout }
  | { readonly kind: 'closed' };

export type BindStateKind = BindState['kind'];

/** The states in which a socket is open. */
export type SessionState = Extract<BindState, { readonly session: smpp.Session }>;

/**
 * Guards an operation: throws unless the bind is in one of `allowed`.
 * @throws GW_ERR_SMPP_STATE (transient: the caller may retry on another bind or later).
 */
export function assertState<K extends BindStateKind>(
  state: BindState,
  allowed: readonly K[],
  operation: string,
  context: { readonly connectionId: string; readonly bindId: string },
): asserts state is Extract<BindState, { readonly kind: K }> {
  if (!(allowed as readonly BindStateKind[]).includes(state.kind)) {
    throw smppError('GW_ERR_SMPP_STATE', `${operation} while the bind is ${state.kind}`, {
      ...context,
      pdu: operation,
      meta: { state: state.kind, operation },
    });
  }
}

/** The open session of a state, if it has one. */
export function sessionOf(state: BindState): smpp.Session | undefined {
  return 'session' in state ? state.session : undefined;
}
