/** Session mode: MSRP chat and Large Message Mode interworked as TS 29.311 has it. */
export { createSessionService, SESSION_REQUESTS, SESSION_ACCEPT_TYPES, SESSION_ACCEPT_WRAPPED_TYPES, type SessionService } from './session-service.js';
export { SessionRegistry, type OpenSession } from './session-registry.js';
export { withSessions, sessionFor } from './session-edge.js';
