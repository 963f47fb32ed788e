/**
 * /api/v1/health/components: what /readyz checks, with the detail /readyz leaves out
 * (each SMPP connection and bind), for the dashboard's health view. Behind a viewer
 * token because connection ids and SMSC errors describe the operator's network.
 */
import type { FastifyPluginAsync } from 'fastify';
import type { SmsGatewayStatus } from '../../ports/sms-gateway.port.js';
import { DATE_TIME, problemResponses } from '../common-schemas.js';
import type { ApiDeps } from '../deps.js';
import { recordAudit } from '../audit.js';
import { heraldError } from '../../errors.js';

const BIND = {
  type: 'object',
  required: ['id', 'mode', 'state', 'inFlight', 'since', 'reconnects'],
  properties: {
    id: { type: 'string' },
    mode: { type: 'string', enum: ['transceiver', 'transmitter', 'receiver'] },
    state: { type: 'string', enum: ['idle', 'connecting', 'binding', 'bound', 'backoff', 'unbinding', 'closed'] },
    inFlight: { type: 'integer' },
    since: DATE_TIME,
    reconnects: { type: 'integer' },
  },
} as const;

const CONNECTION = {
  type: 'object',
  required: ['id', 'enabled', 'state', 'binds', 'window', 'lastError'],
  properties: {
    id: { type: 'string' },
    enabled: { type: 'boolean' },
    state: { type: 'string', enum: ['up', 'degraded', 'down', 'disabled'], description: 'up: every bind bound; degraded: some; down: none.' },
    binds: { type: 'array', items: BIND },
    window: { type: 'object', required: ['inFlight', 'capacity'], properties: { inFlight: { type: 'integer' }, capacity: { type: 'integer' } } },
    lastError: {
      type: ['object', 'null'],
      required: ['at', 'code', 'detail'],
      properties: { at: DATE_TIME, code: { type: 'string' }, detail: { type: 'string' } },
    },
  },
} as const;

const COMPONENTS_SCHEMA = {
  tags: ['health'],
  summary: 'Readiness checks, SMPP connections and binds',
  response: {
    200: {
      description: 'Always 200: the status is in the body (/readyz is the probe).',
      type: 'object',
      required: ['status', 'checks', 'smpp'],
      properties: {
        status: { type: 'string', enum: ['ready', 'not ready', 'draining'] },
        checks: {
          type: 'array',
          description: 'Each /readyz check: `up`, a note such as `none configured`, or `down: <reason>`.',
          items: { type: 'object', required: ['name', 'ok', 'detail'], properties: { name: { type: 'string' }, ok: { type: 'boolean' }, detail: { type: 'string' } } },
        },
        smpp: {
          type: 'object',
          required: ['configured', 'connections'],
          properties: { configured: { type: 'boolean', description: 'False: no SMSC configured, SMS deliveries wait.' }, connections: { type: 'array', items: CONNECTION } },
        },
      },
    },
    ...problemResponses(),
  },
} as const;

function smppDto(status: SmsGatewayStatus): Record<string, unknown> {
  return {
    configured: status.configured,
    connections: status.connections.map((c) => ({
      id: c.id,
      enabled: c.enabled,
      state: c.state,
      binds: c.binds,
      window: c.window,
      // commandStatus stays out: the code and detail already say it in words.
      lastError: c.lastError === undefined ? null : { at: c.lastError.at, code: c.lastError.code, detail: c.lastError.detail },
    })),
  };
}

const CONNECTION_ACTION_SCHEMA = {
  tags: ['health'],
  summary: 'Turn an SMSC connection off or on',
  description: 'disable: its binds unbind and SMS for it wait and retry; enable: they bind again. Audited.',
  params: {
    type: 'object',
    required: ['id', 'action'],
    properties: { id: { type: 'string', minLength: 1, maxLength: 100 }, action: { type: 'string', enum: ['enable', 'disable'] } },
  },
  response: { 200: { description: 'The connection after the change.', ...CONNECTION }, ...problemResponses(404) },
} as const;

/** The health resource plugin (viewer; connection actions admin). */
export function healthRoutes(deps: ApiDeps): FastifyPluginAsync {
  return async (app) => {
    app.get('/health/components', { schema: COMPONENTS_SCHEMA, config: { access: 'viewer' } }, async () => {
      // The root server built by createHttpServer has it; a bare fastify (some tests) has no checks.
      const report = app.hasDecorator('readiness') ? await app.readiness() : { status: 'ready' as const, checks: {} };
      const checks = Object.entries(report.checks).map(([name, detail]) => ({ name, ok: !detail.startsWith('down'), detail }));
      const smpp = deps.sms === undefined ? { configured: false, connections: [] } : smppDto(deps.sms.status());
      return { status: report.status, checks, smpp };
    });

    app.post<{ Params: { id: string; action: 'enable' | 'disable' } }>(
      '/smpp/connections/:id/:action',
      { schema: CONNECTION_ACTION_SCHEMA, config: { access: 'admin' } },
      async (request) => {
        const sms = deps.sms;
        const known = sms?.status().connections.some((c) => c.id === request.params.id) ?? false;
        if (sms === undefined || !known) throw heraldError('GW_ERR_API_NOT_FOUND', `SMSC connection ${request.params.id}`);
        await sms.setEnabled(request.params.id, request.params.action === 'enable');
        await recordAudit(deps, request, request.params.action === 'enable' ? 'smpp.enable' : 'smpp.disable', request.params.id);
        const connection = smppDto(sms.status()).connections as Record<string, unknown>[];
        return connection.find((c) => c.id === request.params.id);
      },
    );
  };
}
