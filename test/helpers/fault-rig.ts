/**
 * The hooks of a fault test file (vitest): the services it stands on, up before its tests
 * and gone after. Kept apart from fault-load.ts so the load helpers also run outside
 * vitest (test/faults/memory-in-flight-cli.ts).
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll } from 'vitest';
import { findFreeSipPort } from '../../adapters/sip/standalone/free-port.js';
import { SmscSimulator, type SmscSimulatorOptions } from '../sim/smsc-sim.js';
import { gatewayEnv, SHARED_REDIS_URL, startImUser, type GatewayEnvOptions, type ImUser } from './fault-load.js';
import { startGatewayProcess, type GatewayProcess } from './gateway-process.js';
import { startPrivatePostgres, startPrivateRedis, type PrivateService } from './private-services.js';

export interface FaultRigOptions {
  /** How the simulator behaves (receipt delay and routing, accounts). */
  readonly sim?: SmscSimulatorOptions;
  /** A private redis-server too, for a test that stops it; otherwise the shared one. */
  readonly privateRedis?: boolean;
  /** How the gateways still running are stopped after the file. @defaultValue 'SIGKILL' */
  readonly stopSignal?: NodeJS.Signals;
}

/** One gateway's environment on a rig, with the queue prefix it got. */
export interface RigGatewayEnv {
  readonly env: Readonly<Record<string, string>>;
  readonly prefix: string;
}

/**
 * The services a fault test stands on, ready once its `beforeAll` has run. Reading a
 * handle earlier throws: the rig is made at collection time, the services come later.
 */
export interface FaultRig {
  /** A private PostgreSQL cluster: nothing else on the machine can load or drop it. */
  readonly db: PrivateService;
  /** The private redis-server (only with `privateRedis`). */
  readonly redis: PrivateService;
  /** The private Redis when there is one, else the shared one. */
  readonly redisUrl: string;
  readonly sim: SmscSimulator;
  readonly user: ImUser;
  /** A gateway environment on the rig's services, with a fresh `fault-<label>-…` queue prefix. */
  gatewayEnv(label: string, options?: GatewayEnvOptions): RigGatewayEnv;
  /**
   * Starts a gateway process on `sipPort` (a free one when unset): the same env and port
   * again is a restart. Every gateway started is stopped after the file.
   */
  startGateway(env: Readonly<Record<string, string>>, sipPort?: number): Promise<GatewayProcess>;
}

/**
 * Registers the `beforeAll`/`afterAll` of a fault test file: a private PostgreSQL (and
 * Redis when asked), the SMSC simulator, an IM user; gateways are started by the test and
 * all stopped afterwards. Call it inside the file's `describe`.
 */
export function faultRig(options: FaultRigOptions = {}): FaultRig {
  let db: PrivateService | undefined;
  let redis: PrivateService | undefined;
  let sim: SmscSimulator | undefined;
  let user: ImUser | undefined;
  const gateways: GatewayProcess[] = [];
  const ready = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`faultRig: ${what} is not up (read in beforeAll or a test, with the option that starts it)`);
    return value;
  };

  beforeAll(async () => {
    db = await startPrivatePostgres();
    if (options.privateRedis === true) redis = await startPrivateRedis();
    sim = new SmscSimulator(options.sim);
    await sim.start();
    user = await startImUser();
  });

  afterAll(async () => {
    for (const gateway of gateways) await gateway.stop(options.stopSignal ?? 'SIGKILL');
    await user?.stop();
    await sim?.stop();
    await redis?.destroy();
    await db?.destroy();
  });

  const rig: FaultRig = {
    get db() {
      return ready(db, 'PostgreSQL');
    },
    get redis() {
      return ready(redis, 'the private Redis');
    },
    get redisUrl() {
      return redis?.url ?? SHARED_REDIS_URL;
    },
    get sim() {
      return ready(sim, 'the SMSC simulator');
    },
    get user() {
      return ready(user, 'the IM user');
    },
    gatewayEnv(label, envOptions = {}) {
      const prefix = `fault-${label}-${randomBytes(4).toString('hex')}`;
      const env = gatewayEnv({ ...envOptions, databaseUrl: rig.db.url, redisUrl: rig.redisUrl, prefix, smscPort: rig.sim.port ?? 0 });
      return { env, prefix };
    },
    async startGateway(env, sipPort) {
      const gateway = await startGatewayProcess({ env, sipPort: sipPort ?? (await findFreeSipPort('127.0.0.1')) });
      gateways.push(gateway);
      return gateway;
    },
  };
  return rig;
}

