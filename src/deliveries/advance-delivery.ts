/**
 * Moves a delivery forward when several actors may race: the channel worker, receipts
 * on any bind of any node, a retried job. Each step transitions with the version it last
 * saw; the loser of a race goes on from the state and version its refusal reports (or
 * reads the delivery again when the refusal does not say) instead of failing.
 */
import { canTransition, isDeliveryState, isFinal, type DeliveryState } from '../domain/delivery-state.js';
import type { StoredDelivery } from '../domain/message.js';
import { heraldError, isHeraldError, type HeraldError } from '../errors.js';
import type { Ledger, TransitionRequest } from '../ports/ledger.port.js';

/** How often a lost race is retried before giving up (a persistent conflict is a bug). */
const MAX_ROUNDS = 8;

/** The facts of the transition to `to`; intermediate steps only carry the cause. */
export type AdvanceRequest = Omit<TransitionRequest, 'deliveryId' | 'to' | 'expectedVersion'> & {
  /** Allow failed/rejected straight from accepted/queued (a refusal before any submit). */
  readonly direct?: boolean | undefined;
};

/**
 * The next state on the way from `from` to `to`, or undefined when `to` is not ahead.
 * Receipt outcomes go through `submitted`, so the timeline reads accepted → queued →
 * submitted → delivered even when a receipt won the race against the submit worker; a
 * refusal before anything was submitted (`direct`) may jump straight to failed/rejected.
 */
function nextStep(from: DeliveryState, to: DeliveryState, direct: boolean): DeliveryState | undefined {
  if (from === to || isFinal(from)) return undefined;
  if (direct && canTransition(from, to)) return to;
  if (from === 'accepted') return 'queued';
  if (from === 'queued') return to === 'queued' ? undefined : 'submitted';
  return canTransition(from, to) ? to : undefined;
}

/**
 * Advances `deliveryId` to `to`, through `queued`/`submitted` when needed. A delivery
 * already at `to`, or already final, or beyond it, is left as it is.
 *
 * @param known the delivery as just read, to save reading it again (a stale one only costs a retry).
 * @returns the delivery after the move to `to`, or undefined when this call did not make that move.
 * @throws GW_ERR_LEDGER_NOT_FOUND for an unknown delivery; GW_ERR_LEDGER_CONFLICT when
 *   races are lost {@link MAX_ROUNDS} times; GW_ERR_DB_UNREACHABLE.
 */
export async function advanceDelivery(
  ledger: Ledger,
  deliveryId: string,
  to: DeliveryState,
  request: AdvanceRequest,
  known?: StoredDelivery,
): Promise<StoredDelivery | undefined> {
  let current = known;
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const delivery = current ?? (await ledger.getDelivery(deliveryId));
    current = undefined;
    if (delivery === undefined) throw heraldError('GW_ERR_LEDGER_NOT_FOUND', `delivery ${deliveryId}`);
    const step = nextStep(delivery.state, to, request.direct === true);
    if (step === undefined) return undefined;
    try {
      const moved = await ledger.transition({
        ...(step === to ? transitionFacts(request) : { cause: request.cause, at: request.at }),
        deliveryId,
        to: step,
        expectedVersion: delivery.version,
      });
      if (step === to) return moved;
      current = moved;
      round = -1; // progress made: the budget is for lost races only
    } catch (err) {
      if (!isHeraldError(err, 'GW_ERR_LEDGER_CONFLICT') && !isHeraldError(err, 'GW_ERR_STATE_ILLEGAL_TRANSITION')) throw err;
      current = asFoundBy(err, delivery);
    }
  }
  throw heraldError('GW_ERR_LEDGER_CONFLICT', `delivery ${deliveryId} kept changing while moving it to ${to}`, { meta: { deliveryId, to } });
}

/**
 * The delivery as the refused transition found it (its state and version, which the ledger
 * puts in the error), so that losing a race costs no read; undefined: read it again. Only
 * state and version steer the next step; the rest of the copy is never written back.
 */
function asFoundBy(err: HeraldError, delivery: StoredDelivery): StoredDelivery | undefined {
  const { state, version } = err.meta;
  return typeof state === 'string' && isDeliveryState(state) && typeof version === 'number' ? { ...delivery, state, version } : undefined;
}

function transitionFacts(request: AdvanceRequest): Omit<TransitionRequest, 'deliveryId' | 'to' | 'expectedVersion'> {
  const { direct: _direct, ...facts } = request;
  return facts;
}
