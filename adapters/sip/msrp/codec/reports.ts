/**
 * Success-Report and Failure-Report (RFC 4975 §7.1.2, §7.2): what the sender of a SEND
 * wants to hear back, and the REPORT request that tells it.
 */
import type { ByteRange } from './byte-range.js';
import { serializeByteRange } from './byte-range.js';
import { msrpHeader, type MsrpRequest } from './frame.js';
import { serializeRequest } from './serialize-frame.js';

/** `yes` (default): every outcome; `partial`: only failures; `no`: nothing, not even a response. */
export type FailureReport = 'yes' | 'no' | 'partial';

export interface ReportWishes {
  /** Whether a success REPORT is wanted once the whole message arrived (default no). */
  readonly success: boolean;
  readonly failure: FailureReport;
}

/** Reads both headers; values other than the RFC's are treated as their defaults (§7.1.2). */
export function reportWishes(request: MsrpRequest): ReportWishes {
  const success = msrpHeader(request, 'Success-Report')?.toLowerCase() === 'yes';
  const failureValue = msrpHeader(request, 'Failure-Report')?.toLowerCase();
  const failure: FailureReport = failureValue === 'no' || failureValue === 'partial' ? failureValue : 'yes';
  return { success, failure };
}

/**
 * Whether a transaction response goes back for a SEND with status `status` (RFC 4975
 * §7.2: none for Failure-Report no; only errors for partial).
 */
export function respondsWith(wishes: ReportWishes, status: number): boolean {
  if (wishes.failure === 'no') return false;
  if (wishes.failure === 'partial') return status >= 300;
  return true;
}

export interface ReportToWrite {
  readonly transactionId: string;
  readonly toPath: readonly string[];
  readonly fromPath: readonly string[];
  readonly messageId: string;
  readonly range: ByteRange;
  /** Status header: `000 <code> <comment>` (RFC 4975 §9 namespace 000). */
  readonly status: number;
  readonly comment: string;
}

/** A REPORT request (RFC 4975 §7.1.2): no body, Status `000 code comment`. */
export function serializeReport(report: ReportToWrite): Buffer {
  return serializeRequest({
    transactionId: report.transactionId,
    method: 'REPORT',
    toPath: report.toPath,
    fromPath: report.fromPath,
    headers: [
      { name: 'Message-ID', value: report.messageId },
      { name: 'Byte-Range', value: serializeByteRange(report.range) },
      { name: 'Status', value: `000 ${report.status} ${report.comment}` },
    ],
  });
}

const STATUS = /^(\d{3}) (\d{3})(?: (.*))?$/;

/** Parses a REPORT's Status header; undefined when absent or malformed. */
export function reportStatus(request: MsrpRequest): { readonly code: number; readonly comment?: string | undefined } | undefined {
  const match = STATUS.exec(msrpHeader(request, 'Status') ?? '');
  if (match === null) return undefined;
  return { code: Number(match[2]), comment: match[3] };
}
