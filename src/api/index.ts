/**
 * The admin REST API: `/api/v1/...` with one plugin per resource (STYLE rule 10), the
 * OpenAPI document at /api/v1/openapi.json and the Swagger UI at /api/docs.
 *
 * Everything under /api needs a token (or a browser session) except POST
 * /api/v1/session. /healthz, /readyz and /metrics stay outside, on the root instance:
 * probes and Prometheus scrape without credentials, so the HTTP listener belongs on a
 * private address (the default is 127.0.0.1).
 */
import fastifyCookie from '@fastify/cookie';
import fastifySwaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import type { ApiRole } from '../domain/api-role.js';
import { heraldError } from '../errors.js';
import { auditRoutes } from './audit/routes.js';
import { authenticate } from './auth/authenticate.js';
import { CSRF_HEADER } from './auth/cookies.js';
import { PROBLEM_SCHEMA } from './common-schemas.js';
import { dashboard, DASHBOARD_PATH } from './dashboard/index.js';
import { deliveryRoutes } from './deliveries/routes.js';
import type { ApiDeps } from './deps.js';
import { directoryCsvRoutes } from './directory/csv-routes.js';
import { directoryRoutes } from './directory/routes.js';
import { DIRECTORY_ENTRY_SCHEMA } from './directory/schemas.js';
import { installErrorHandling, notFoundHandler, sendProblem } from './error-handler.js';
import { healthRoutes } from './health/routes.js';
import { messageRoutes } from './messages/routes.js';
import { sendRoutes } from './messages/send-route.js';
import { registerOpenApi } from './openapi.js';
import { rejectNul } from './reject-nul.js';
import { queueRoutes } from './queues/routes.js';
import { sessionRoutes } from './session/routes.js';
import { statsRoutes } from './stats/routes.js';
import { tokenRoutes } from './tokens/routes.js';
import './types.js';

export type { ApiDeps } from './deps.js';

const AXIOS_CSRF_HEADER = 'x-xsrf-token';

/** What every /api scope shares: cookies, the one error handler, the auth hook. */
async function secure(scope: FastifyInstance, deps: ApiDeps): Promise<void> {
  await scope.register(fastifyCookie);
  installErrorHandling(scope);
  scope.decorateRequest('principal', null);
  scope.addHook('onRequest', authenticate(deps));
  scope.addHook('preValidation', rejectNul);
}

/** /api/v1: the resources, and the document that describes them. */
function v1(deps: ApiDeps): FastifyPluginAsync {
  return async (api) => {
    await secure(api, deps);
    api.setNotFoundHandler(notFoundHandler);
    api.addSchema(PROBLEM_SCHEMA);
    api.addSchema(DIRECTORY_ENTRY_SCHEMA);
    // A route without `access` would silently get the default: refuse to start instead.
    api.addHook('onRoute', (route) => {
      if (route.config?.access === undefined) throw heraldError('GW_ERR_GATEWAY_INTERNAL', `API route ${route.method} ${route.url} declares no access`);
    });
    api.get('/openapi.json', { schema: { hide: true }, config: { access: 'viewer' } }, async () => api.swagger());
    await api.register(sessionRoutes(deps));
    await api.register(messageRoutes(deps));
    await api.register(sendRoutes(deps));
    await api.register(deliveryRoutes(deps));
    await api.register(queueRoutes(deps));
    await api.register(directoryRoutes(deps));
    await api.register(directoryCsvRoutes(deps));
    await api.register(tokenRoutes(deps));
    await api.register(auditRoutes(deps));
    await api.register(statsRoutes(deps));
    await api.register(healthRoutes(deps));
  };
}

/**
 * /api/docs: the Swagger UI and its assets, behind the same auth (viewer). Its own
 * scope without a prefix, because the UI builds its asset links from routePrefix alone.
 */
function docs(deps: ApiDeps): FastifyPluginAsync {
  return async (scope) => {
    await secure(scope, deps);
    await scope.register(fastifySwaggerUi, { routePrefix: '/api/docs', staticCSP: true });
  };
}

/**
 * A scope where every route, whoever registers it, needs `role` through the API's own
 * auth (token or session cookie, CSRF on changes) and fails as problem+json. For UIs
 * built elsewhere (Bull Board, in queues/) that must not import the API's internals.
 *
 * Their routes declare no `access`; an onRoute hook gives them `role`, and it reaches
 * routes of child plugins too.
 */
export function protectedScope(deps: ApiDeps, role: ApiRole, register: (scope: FastifyInstance) => Promise<void>): FastifyPluginAsync {
  const check = authenticate(deps);
  return async (scope) => {
    await scope.register(fastifyCookie);
    installErrorHandling(scope);
    scope.decorateRequest('principal', null);
    // A thrown hook error would reach the child's error handler (Bull Board answers 500
    // with the message), so refusals are sent from here instead.
    scope.addHook('onRequest', async (request, reply) => {
      // Axios-based UIs echo an XSRF-TOKEN cookie in X-XSRF-TOKEN; accept it as the CSRF
      // header: still a custom header no other site can send, holding the same secret.
      const xsrf = request.headers[AXIOS_CSRF_HEADER];
      if (request.headers[CSRF_HEADER] === undefined && typeof xsrf === 'string') request.headers[CSRF_HEADER] = xsrf;
      try {
        await check.call(scope, request, reply, () => undefined);
      } catch (err) {
        return sendProblem(err, request, reply);
      }
    });
    scope.addHook('onRoute', (route) => {
      route.config = { ...route.config, access: role };
    });
    await register(scope);
  };
}

/**
 * Adds the admin API and the dashboard to the gateway's HTTP server. Call before `listen`.
 * @throws GW_ERR_GATEWAY_INTERNAL when a route is declared without `access` (a bug), or
 *   when the dashboard's files are missing
 */
export async function createApi(app: FastifyInstance, deps: ApiDeps): Promise<void> {
  await registerOpenApi(app);
  await app.register(docs(deps));
  await app.register(v1(deps), { prefix: '/api/v1' });
  await app.register(dashboard());
  deps.log.info({ docs: '/api/docs', openapi: '/api/v1/openapi.json', dashboard: DASHBOARD_PATH }, 'admin API ready');
}
