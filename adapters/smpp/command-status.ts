/**
 * SMPP command_status values (SMPP 3.4 §5.1.3) and what each means for a submit, in one
 * table (STYLE rule 6): slow down and resend, retry later, or refuse for good.
 */

/** How a submit_sm_resp status is handled. */
export type StatusClass = 'ok' | 'throttle' | 'transient' | 'permanent';

interface StatusInfo {
  readonly name: string;
  readonly class: StatusClass;
}

const TABLE: Readonly<Record<number, StatusInfo>> = {
  0x00: { name: 'ESME_ROK', class: 'ok' },
  0x01: { name: 'ESME_RINVMSGLEN', class: 'permanent' },
  0x02: { name: 'ESME_RINVCMDLEN', class: 'permanent' },
  0x03: { name: 'ESME_RINVCMDID', class: 'permanent' },
  // "Incorrect bind status": the SMSC thinks the bind is not (yet) bound; another try works.
  0x04: { name: 'ESME_RINVBNDSTS', class: 'transient' },
  0x05: { name: 'ESME_RALYBND', class: 'transient' },
  0x08: { name: 'ESME_RSYSERR', class: 'transient' },
  0x0a: { name: 'ESME_RINVSRCADR', class: 'permanent' },
  0x0b: { name: 'ESME_RINVDSTADR', class: 'permanent' },
  0x0c: { name: 'ESME_RINVMSGID', class: 'permanent' },
  0x0d: { name: 'ESME_RBINDFAIL', class: 'transient' },
  0x0e: { name: 'ESME_RINVPASWD', class: 'transient' },
  0x0f: { name: 'ESME_RINVSYSID', class: 'transient' },
  // Queue full and throttled mean "slow down": never a reason to fail the message.
  0x14: { name: 'ESME_RMSGQFUL', class: 'throttle' },
  0x15: { name: 'ESME_RINVSERTYP', class: 'permanent' },
  0x45: { name: 'ESME_RSUBMITFAIL', class: 'transient' },
  0x48: { name: 'ESME_RINVSRCTON', class: 'permanent' },
  0x49: { name: 'ESME_RINVSRCNPI', class: 'permanent' },
  0x50: { name: 'ESME_RINVDSTTON', class: 'permanent' },
  0x51: { name: 'ESME_RINVDSTNPI', class: 'permanent' },
  0x53: { name: 'ESME_RINVSYSTYP', class: 'transient' },
  0x58: { name: 'ESME_RTHROTTLED', class: 'throttle' },
  0x61: { name: 'ESME_RINVSCHED', class: 'permanent' },
  0x62: { name: 'ESME_RINVEXPIRY', class: 'permanent' },
  0x64: { name: 'ESME_RX_T_APPN', class: 'transient' },
  0x65: { name: 'ESME_RX_P_APPN', class: 'permanent' },
  0x66: { name: 'ESME_RX_R_APPN', class: 'permanent' },
  0xc0: { name: 'ESME_RINVOPTPARSTREAM', class: 'permanent' },
  0xc1: { name: 'ESME_ROPTPARNOTALLWD', class: 'permanent' },
  0xc2: { name: 'ESME_RINVPARLEN', class: 'permanent' },
  0xc3: { name: 'ESME_RMISSINGOPTPARAM', class: 'permanent' },
  0xc4: { name: 'ESME_RINVOPTPARAMVAL', class: 'permanent' },
  0xfe: { name: 'ESME_RDELIVERYFAILURE', class: 'transient' },
  0xff: { name: 'ESME_RUNKNOWNERR', class: 'transient' },
};

/** The statuses `inboundErrorStatus` may name, by their spec name. */
export const INBOUND_ERROR_STATUS: Readonly<Record<'ESME_RMSGQFUL' | 'ESME_RTHROTTLED' | 'ESME_RX_T_APPN', number>> = {
  ESME_RMSGQFUL: 0x14,
  ESME_RTHROTTLED: 0x58,
  ESME_RX_T_APPN: 0x64,
};
/** ESME_RINVCMDID: an operation Herald does not serve. */
export const ESME_RINVCMDID = 0x03;

/**
 * The class of a command_status. Vendor-specific and unlisted values are retried
 * (transient): a message is never failed on a code nobody can explain, and the queue's
 * attempt limit still ends a loop.
 */
export function statusClass(status: number): StatusClass {
  return TABLE[status]?.class ?? 'transient';
}

/** The spec name of a command_status, or its hex form. */
export function statusName(status: number): string {
  return TABLE[status]?.name ?? `0x${status.toString(16).padStart(8, '0')}`;
}
