/**
 * What a deploy manifest (firebase-functions' discovery output, the spec `firebase deploy` reads) must satisfy
 * before LearnPulse goes out: every function states its runtime options, binds exactly the secrets its code can
 * reach, no param that names an address has a default, schedules name their time zone, and the functions that
 * connect to MongoDB stay under the tier's connection limit together.
 */
import { secretMatches } from "./reach.ts";

export interface ManifestEndpoint {
  /** "gcfv2", or "gcfv1" for the one 1st-gen function (the Auth deletion trigger). */
  platform?: string;
  region?: string[];
  availableMemoryMb?: number | null;
  timeoutSeconds?: number | null;
  cpu?: number | string | null;
  concurrency?: number | null;
  maxInstances?: number | null;
  secretEnvironmentVariables?: { key: string }[];
  scheduleTrigger?: { schedule: string; timeZone?: string | null };
  [field: string]: unknown;
}

export interface ManifestParam {
  name: string;
  type?: string;
  default?: unknown;
}

export interface Manifest {
  endpoints: Record<string, ManifestEndpoint>;
  params?: ManifestParam[];
}

export interface ManifestPolicy {
  region: string;
  /** Secrets each function's code can reach (reach.ts). */
  reachedSecrets: Map<string, Set<string>>;
  mongoSecret: string;
  mongoConnectionsPerInstance: number;
  mongoMaxConnections: number;
}

/** Cloud Run's instance cap when a function states none. */
const PLATFORM_DEFAULT_MAX_INSTANCES = 100;

/** Names of params that hold a network address. */
const ADDRESS_NAME = /(URL|URI|ENDPOINT|HOST|ADDRESS)$/;
const LOOPBACK = /(^|\/\/|@)(localhost|127\.\d+\.\d+\.\d+|\[?::1\]?|0\.0\.0\.0)([:/]|$)/i;

export function manifestProblems(manifest: Manifest, policy: ManifestPolicy): string[] {
  const problems: string[] = [];
  const names = Object.keys(manifest.endpoints).sort();
  const reachedNames = [...policy.reachedSecrets.keys()].sort();
  if (names.join() !== reachedNames.join()) problems.push(`functions: manifest has [${names}], the source exports [${reachedNames}]`);

  let mongoConnections = 0;
  for (const name of names) {
    const endpoint = manifest.endpoints[name] as ManifestEndpoint;
    if (endpoint.region?.join() !== policy.region) problems.push(`${name}: region ${endpoint.region?.join() ?? "unset"}, expected ${policy.region}`);
    // A 1st-gen function serves one request at a time, with the CPU of its memory: it has neither option.
    const options = endpoint.platform === "gcfv1" ? (["availableMemoryMb", "timeoutSeconds", "maxInstances"] as const) : (["availableMemoryMb", "timeoutSeconds", "cpu", "concurrency", "maxInstances"] as const);
    for (const option of options) {
      if (endpoint[option] === null || endpoint[option] === undefined) problems.push(`${name}: ${option} left to the platform's default`);
    }
    if (endpoint.scheduleTrigger && !endpoint.scheduleTrigger.timeZone) problems.push(`${name}: schedule names no time zone`);

    const bound = new Set((endpoint.secretEnvironmentVariables ?? []).map((secret) => secret.key));
    const reached = policy.reachedSecrets.get(name) ?? new Set<string>();
    for (const secret of reached) if (![...bound].some((key) => secretMatches(secret, key))) problems.push(`${name}: its code reaches secret ${secret}, which is not bound`);
    for (const secret of bound) if (![...reached].some((family) => secretMatches(family, secret))) problems.push(`${name}: secret ${secret} is bound but its code never reaches it`);
    if (bound.has(policy.mongoSecret)) {
      mongoConnections += (endpoint.maxInstances ?? PLATFORM_DEFAULT_MAX_INSTANCES) * policy.mongoConnectionsPerInstance;
    }
  }
  if (mongoConnections > policy.mongoMaxConnections) {
    problems.push(`MongoDB: ${mongoConnections} connections at every instance cap, over MONGODB_MAX_CONNECTIONS ${policy.mongoMaxConnections}`);
  }

  for (const param of manifest.params ?? []) {
    const fallback = typeof param.default === "string" ? param.default : undefined;
    if (fallback !== undefined && LOOPBACK.test(fallback)) problems.push(`param ${param.name}: loopback default ${fallback}`);
    else if (ADDRESS_NAME.test(param.name) && param.type !== "secret" && param.default !== undefined) {
      problems.push(`param ${param.name}: names an address and has a default (${String(param.default)})`);
    }
  }
  return problems;
}
