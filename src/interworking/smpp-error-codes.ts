/**
 * Human-readable texts for the numbers an SMSC gives when an SMS fails (REQ-DELNOT-12):
 * the submit_sm_resp command_status (SMPP 3.4 §5.1.3, Table 5-2) and the network error
 * of a delivery receipt (network_error_code TLV, SMPP 3.4 §5.3.2.31, or the text
 * receipt's `err:`). For GSM networks the network error is a MAP error (3GPP TS 29.002
 * §17.6.6 "Errors"), which is also what most SMSCs put in `err:`.
 */

/** command_status → [ESME name, text]. Statuses not listed read as "SMPP error 0x…". */
export const SMPP_COMMAND_STATUS: ReadonlyMap<number, readonly [string, string]> = new Map([
  [0x00, ['ESME_ROK', 'no error']],
  [0x01, ['ESME_RINVMSGLEN', 'message length is invalid']],
  [0x02, ['ESME_RINVCMDLEN', 'command length is invalid']],
  [0x03, ['ESME_RINVCMDID', 'invalid command id']],
  [0x04, ['ESME_RINVBNDSTS', 'incorrect bind status for the command']],
  [0x05, ['ESME_RALYBND', 'already bound']],
  [0x06, ['ESME_RINVPRTFLG', 'invalid priority flag']],
  [0x07, ['ESME_RINVREGDLVFLG', 'invalid registered delivery flag']],
  [0x08, ['ESME_RSYSERR', 'SMSC system error']],
  [0x0a, ['ESME_RINVSRCADR', 'invalid source address']],
  [0x0b, ['ESME_RINVDSTADR', 'invalid destination address']],
  [0x0c, ['ESME_RINVMSGID', 'message id is invalid']],
  [0x0d, ['ESME_RBINDFAIL', 'bind failed']],
  [0x0e, ['ESME_RINVPASWD', 'invalid password']],
  [0x0f, ['ESME_RINVSYSID', 'invalid system id']],
  [0x11, ['ESME_RCANCELFAIL', 'cancel_sm failed']],
  [0x13, ['ESME_RREPLACEFAIL', 'replace_sm failed']],
  [0x14, ['ESME_RMSGQFUL', 'SMSC message queue full']],
  [0x15, ['ESME_RINVSERTYP', 'invalid service type']],
  [0x33, ['ESME_RINVNUMDESTS', 'invalid number of destinations']],
  [0x34, ['ESME_RINVDLNAME', 'invalid distribution list name']],
  [0x40, ['ESME_RINVDESTFLAG', 'invalid destination flag']],
  [0x42, ['ESME_RINVSUBREP', 'invalid submit with replace request']],
  [0x43, ['ESME_RINVESMCLASS', 'invalid esm_class']],
  [0x44, ['ESME_RCNTSUBDL', 'cannot submit to distribution list']],
  [0x45, ['ESME_RSUBMITFAIL', 'submit_sm failed']],
  [0x48, ['ESME_RINVSRCTON', 'invalid source address TON']],
  [0x49, ['ESME_RINVSRCNPI', 'invalid source address NPI']],
  [0x50, ['ESME_RINVDSTTON', 'invalid destination address TON']],
  [0x51, ['ESME_RINVDSTNPI', 'invalid destination address NPI']],
  [0x53, ['ESME_RINVSYSTYP', 'invalid system type']],
  [0x54, ['ESME_RINVREPFLAG', 'invalid replace_if_present flag']],
  [0x55, ['ESME_RINVNUMMSGS', 'invalid number of messages']],
  [0x58, ['ESME_RTHROTTLED', 'throttling error: too many messages']],
  [0x61, ['ESME_RINVSCHED', 'invalid scheduled delivery time']],
  [0x62, ['ESME_RINVEXPIRY', 'invalid validity period']],
  [0x63, ['ESME_RINVDFTMSGID', 'predefined message not found']],
  [0x64, ['ESME_RX_T_APPN', 'temporary error at the receiving application']],
  [0x65, ['ESME_RX_P_APPN', 'permanent error at the receiving application']],
  [0x66, ['ESME_RX_R_APPN', 'rejected by the receiving application']],
  [0x67, ['ESME_RQUERYFAIL', 'query_sm failed']],
  [0xc0, ['ESME_RINVOPTPARSTREAM', 'error in the optional part of the PDU']],
  [0xc1, ['ESME_ROPTPARNOTALLWD', 'optional parameter not allowed']],
  [0xc2, ['ESME_RINVPARLEN', 'invalid parameter length']],
  [0xc3, ['ESME_RMISSINGOPTPARAM', 'expected optional parameter missing']],
  [0xc4, ['ESME_RINVOPTPARAMVAL', 'invalid optional parameter value']],
  [0xfe, ['ESME_RDELIVERYFAILURE', 'delivery failure']],
  [0xff, ['ESME_RUNKNOWNERR', 'unknown error']],
]);

/**
 * Common network errors of SMS delivery: GSM MAP error codes (3GPP TS 29.002), which GSM
 * SMSCs report in network_error_code (network type 3) and usually in `err:` too.
 */
export const GSM_NETWORK_ERRORS: ReadonlyMap<number, string> = new Map([
  [1, 'unknown subscriber'],
  [5, 'unidentified subscriber'],
  [6, 'absent subscriber (handset off or out of coverage)'],
  [9, 'illegal subscriber'],
  [10, 'bearer service not provisioned'],
  [11, 'teleservice not provisioned'],
  [12, 'illegal equipment'],
  [13, 'call barred'],
  [21, 'facility not supported'],
  [27, 'absent subscriber'],
  [31, 'subscriber busy for MT SMS'],
  [32, 'SM delivery failure (e.g. handset memory full)'],
  [33, 'message waiting list full'],
  [34, 'system failure'],
  [35, 'data missing'],
  [36, 'unexpected data value'],
]);

/** network_error_code network types (SMPP 3.4 §5.3.2.31). */
export const NETWORK_TYPES: ReadonlyMap<number, string> = new Map([
  [1, 'ANSI-136'],
  [2, 'IS-95'],
  [3, 'GSM'],
  [4, 'ANSI-41'],
]);

/** `ESME_RINVDSTADR (0x0000000B): invalid destination address`, or a generic text. */
export function commandStatusText(status: number): string {
  const hex = `0x${status.toString(16).toUpperCase().padStart(8, '0')}`;
  const known = SMPP_COMMAND_STATUS.get(status);
  return known === undefined ? `SMPP error ${hex}` : `${known[0]} (${hex}): ${known[1]}`;
}

/**
 * `absent subscriber (GSM error 27)`. A network type other than GSM has its own code
 * space Herald does not decode, so only its number is given.
 */
export function networkErrorText(code: number, networkType?: number): string {
  const network = networkType === undefined ? undefined : NETWORK_TYPES.get(networkType) ?? `network type ${networkType}`;
  const gsm = networkType === undefined || networkType === 3;
  const text = gsm ? GSM_NETWORK_ERRORS.get(code) : undefined;
  const label = `${network ?? 'network'} error ${code}`;
  return text === undefined ? label : `${text} (${label})`;
}
