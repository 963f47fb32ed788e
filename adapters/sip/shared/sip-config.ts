import type { HeraldConfig } from '../../../src/config.js';

/** The `sip` section of Herald's config: what every SIP edge is built from. */
export type SipConfig = HeraldConfig['sip'];
