/** Everything an admin (or the CLI) can change, as recorded in the audit log. */
export const AUDIT_ACTIONS = [
  'token.create',
  'token.revoke',
  'session.create',
  'session.delete',
  'delivery.retry',
  'delivery.cancel',
  'directory.put',
  'directory.delete',
  'directory.import',
  'smpp.enable',
  'smpp.disable',
] as const;

export type AuditAction = (typeof AUDIT_ACTIONS)[number];

export interface NewAuditEvent {
  /** Token id of who did it; absent for the CLI. */
  readonly actorTokenId?: string | undefined;
  /** Token name of who did it, or `cli`: kept even after the token is revoked. */
  readonly actorName: string;
  readonly action: AuditAction;
  /** What it was done to: a token id, delivery id, IM URI, … */
  readonly target: string;
  readonly sourceIp?: string | undefined;
  readonly detail?: Readonly<Record<string, unknown>> | undefined;
}

export interface AuditEvent extends NewAuditEvent {
  readonly id: string;
  readonly at: Date;
  readonly detail: Readonly<Record<string, unknown>>;
}

/** The append-only audit trail of admin actions. */
export interface AuditLog {
  /** @throws GW_ERR_DB_UNREACHABLE */
  record(event: NewAuditEvent): Promise<AuditEvent>;
  /** Newest first, starting below `beforeId` (keyset paging). @throws GW_ERR_DB_UNREACHABLE */
  list(limit: number, beforeId?: string): Promise<readonly AuditEvent[]>;
}
