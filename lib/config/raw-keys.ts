import { CatalogOption, catalogFor } from "./catalog";
import { Problems } from "./problems";
import { RawConfigValue } from "./settings";
import { ConfigValue } from "./values";
import { formatDuration, formatMemorySize, parseDuration, parseMemorySize } from "./units";
import { FlinkVersion } from "./version";

/** What raw keys need of the typed keys already written. */
interface WrittenKeys {
  readonly entries: Map<string, ConfigValue>;
  readonly sources: Map<string, string>;
  /** Keys the platform sets at run time (YARN's addresses and ports), with why: a user may not set them. */
  readonly owned: ReadonlyMap<string, string>;
}

/**
 * Keys that circulate in tutorials (the seed among them) but that Flink never read, or that a
 * catalog placeholder would wrongly accept. Checked before the catalog.
 */
const KNOWN_MISTAKES: ReadonlyArray<{ pattern: RegExp; fix: string; rule?: (version: FlinkVersion) => string }> = [
  {
    pattern: /^metrics\.reporter\.[^.]+\.class$/,
    // The real-Flink tests saw 1.20's jars still declare it (MetricOptions.REPORTER_CLASS); 2.x's do not.
    rule: (v) => (v.line === "1.20" ? "is a legacy key Flink 1.20 still reads (the reflection-based reporter setup, removed in 2.0)" : `is not a key Flink ${v.version} reads (removed in 2.0)`),
    fix: "Flink instantiates reporters from `factory.class`; use metricReporters: [MetricReporter.prometheus()] or `metrics.reporter.<name>.factory.class`.",
  },
  { pattern: /^metrics\.reporter\.[^.]+\.host$/, fix: "Flink's Prometheus reporter has no host option: it listens on every interface at `port`." },
  {
    pattern: /^jobmanager\.heap\.size$/,
    rule: (v) => (v.line === "1.20" ? "is a legacy key Flink 1.20 still maps to jobmanager.memory.heap.size" : `is not a key Flink ${v.version} reads (removed in 2.0)`),
    fix: "use jobManager.memory.heap (or jobManager.memory.process).",
  },
  {
    pattern: /^taskmanager\.heap\.size$/,
    // BashJavaUtils 1.20 maps it to total Flink memory; 2.3 refuses a config with only this key as one with no memory set.
    rule: (v) => (v.line === "1.20" ? "is a legacy key Flink 1.20 still maps to total Flink memory (taskmanager.memory.flink.size)" : `is not a key Flink ${v.version} reads (removed in 2.0)`),
    fix: "use taskManager.memory.flink (or taskManager.memory.process).",
  },
  { pattern: /^jobmanager\.off-heap\.memory$/, fix: "use jobManager.memory.offHeap." },
  { pattern: /^taskmanager\.network\.buffers\.per-(channel|gate)$/, fix: "this key never existed; Flink sizes buffers from taskManager.memory.network* and network.bufferSize." },
  { pattern: /^taskmanager\.network\.netty\.client\.connectTimeoutMs$/, fix: "use network.nettyClientConnectTimeout (taskmanager.network.netty.client.connectTimeoutSec, in seconds)." },
  { pattern: /^resourcemanager\.slot-request-timeout$/, fix: "use resourceManager.slotRequestTimeout (slot.request.timeout)." },
  { pattern: /^state\.backend\.rocksdb\.options\./, fix: "use StateBackend.rocksdb({ writeBufferSize, writeBufferCount, blockSize, blockCacheSize, bloomFilter, ... })." },
];

/**
 * Keys that switch on a feature the library wires across the target (ports, RBAC, storage): set
 * through rawConfig they would synthesize and then fail at run time. Tuning keys stay settable.
 */
const FEATURE_SWITCHES: ReadonlyArray<{ pattern: RegExp; fix: string }> = [
  { pattern: /^(high-availability(\.type)?|recovery\.mode)$/, fix: "use the cluster's ha property: ha: new FlinkHA(scope, \"ha\", { zookeeper: {...} }) or { kubernetes: {} }; it opens the quorum, grants leader election and sets the storage directory." },
  {
    pattern: /^security\.ssl\.(enabled|internal\.enabled|rest\.enabled)$/,
    fix: "use the cluster's tls property: tls: new FlinkTls(scope, \"tls\", { internal: { secret }, rest: { secret } }); it builds the stores on every node from a secret.",
  },
  {
    pattern: /^security\.kerberos\.login\.(keytab|principal)$/,
    fix: "use the cluster's kerberos property: kerberos: new FlinkKerberos(scope, \"kerberos\", { principal, secret: KerberosSecret.secretsManager(arn) }); it delivers the keytab to every node.",
  },
];

const rawProperty = (key: string) => `rawConfig[${JSON.stringify(key)}]`;

/** Keys whose value is a secret: written into config.yaml it would sit in the ConfigMap, the user data and the Terraform JSON. */
const SECRET_KEY = /(password|secret|token|credential)/i;
const PRIVATE_KEY = /-----BEGIN [A-Z ]*PRIVATE KEY-----/;

/** A secret given as a value: config.yaml has no secret references, so the value itself would be rendered. */
function literalSecret(key: string, value: RawConfigValue): boolean {
  const text = typeof value === "string" ? value : JSON.stringify(value);
  return (SECRET_KEY.test(key) && value !== "" && value !== false) || PRIVATE_KEY.test(text);
}

/**
 * Checks raw (or feature) keys against the version's catalog and adds them after the keys already
 * written, sorted so the output does not depend on object insertion order.
 */
export function checkRawKeys(
  raw: Readonly<Record<string, RawConfigValue>>,
  version: FlinkVersion,
  written: WrittenKeys,
  problems: Problems,
  feature?: string,
): void {
  const propertyOf = feature ? (key: string) => `${feature} (${key})` : rawProperty;
  const catalog = version.catalog ? catalogFor(version.catalog) : undefined;
  for (const givenKey of Object.keys(raw).sort()) {
    const property = propertyOf(givenKey);
    const value = raw[givenKey];
    let key = givenKey;
    // Switching a feature off (false, "NONE") is harmless; only switching it on needs the typed feature.
    const switchesOn = !(value === false || value === "false" || (typeof value === "string" && value.toUpperCase() === "NONE"));
    const switchKey = feature || !switchesOn ? undefined : FEATURE_SWITCHES.find((f) => f.pattern.test(key));
    if (switchKey) {
      problems.error(property, value, "switches on a feature that rawConfig cannot wire", switchKey.fix);
      continue;
    }
    if (!feature && literalSecret(key, value)) {
      // The value itself is never repeated in the message.
      problems.error(property, "(a secret, not shown)", "is a password, key or credential given as a literal: it would be written into config.yaml, the ConfigMap or user data and the Terraform JSON", "give TLS stores through tls (FlinkTls with a TlsSecret), S3 access through the cluster's role (stateStorage), and keep other secrets out of the configuration.");
      continue;
    }
    if (catalog) {
      const mistake = KNOWN_MISTAKES.find((m) => m.pattern.test(key));
      if (mistake) {
        problems.error(property, value, mistake.rule?.(version) ?? `is not a key Flink ${version.version} reads`, mistake.fix);
        continue;
      }
      const replacements = catalog.replacementsOf(key);
      if (replacements.length > 1) {
        problems.error(property, value, `is deprecated in Flink ${version.version} and feeds several current keys`, `set the one you mean: ${replacements.join(" or ")}.`);
        continue;
      }
      if (replacements.length === 1) {
        problems.warn("flink:deprecated-key", `${property} is deprecated in Flink ${version.version}; it is written as its replacement ${replacements[0]}. Use that key instead.`);
        key = replacements[0];
      }
      const option = catalog.option(key);
      if (!option) {
        const closest = catalog.closest(key);
        problems.error(property, value, `is not a key of Flink ${version.version}`, closest.length ? `did you mean ${closest.join(", ")}?` : "check the key against Flink's configuration reference.");
        continue;
      }
      const typeProblem = valueTypeProblem(option, value);
      if (typeProblem) {
        problems.error(property, value, typeProblem, `give a value of Flink type ${option.type} for ${key}.`);
        continue;
      }
    }
    const ownedBecause = written.owned.get(key);
    if (ownedBecause) {
      problems.error(property, value, `sets ${key}, which ${ownedBecause}`, `remove ${property}.`);
      continue;
    }
    const owner = written.sources.get(key);
    if (owner) {
      const fix = feature ? `remove ${owner}: ${feature} decides ${key}.` : `set it through ${owner} only.`;
      problems.error(property, value, `sets ${key}, which ${owner} already sets`, fix);
      continue;
    }
    written.entries.set(key, catalog ? canonicalValue(catalog.option(key)!, value) : value);
    written.sources.set(key, property);
  }
}

/** Sizes and durations in the same canonical notation as the typed settings write them. */
function canonicalValue(option: CatalogOption, value: ConfigValue): ConfigValue {
  // config.yaml flattens a nested YAML map into dotted keys (Flink then never sees the option), so a
  // map is written as the "key:value,key:value" string Flink parses for Map options.
  if (option.type === "Map" && isStringMap(value)) return Object.keys(value).sort().map((key) => `${key}:${value[key]}`).join(",");
  if (typeof value !== "string") return value;
  if (option.type === "MemorySize") return formatMemorySize(parseMemorySize(value)!);
  if (option.type === "Duration") return formatDuration(parseDuration(value)!);
  return value;
}

const isStringMap = (v: unknown): v is Readonly<Record<string, string>> => typeof v === "object" && v !== null && !Array.isArray(v);
const isNonNegativeInteger = (v: unknown) => typeof v === "number" && Number.isInteger(v) && v >= 0;
const isIntegerText = (v: unknown) => (typeof v === "number" && Number.isInteger(v)) || (typeof v === "string" && /^-?\d+$/.test(v.trim()));

/** Why Flink could not read `value` as the option's type, or undefined when it can. */
export function valueTypeProblem(option: CatalogOption, value: RawConfigValue): string | undefined {
  const scalar = typeof value === "string" || typeof value === "number" || typeof value === "boolean";
  switch (option.type) {
    case "Integer":
    case "Long":
      return isIntegerText(value) || (option.default === "infinite" && value === "infinite") ? undefined : "must be a whole number";
    case "Double":
    case "Float":
      return (typeof value === "number" && Number.isFinite(value)) || (typeof value === "string" && Number.isFinite(Number(value)) && value.trim() !== "") ? undefined : "must be a number";
    case "Boolean":
      return typeof value === "boolean" || value === "true" || value === "false" ? undefined : "must be true or false";
    case "MemorySize":
      return isNonNegativeInteger(value) || (typeof value === "string" && parseMemorySize(value) !== undefined) ? undefined : "must be a memory size such as \"512 mb\"";
    case "Duration":
      return isNonNegativeInteger(value) || (typeof value === "string" && parseDuration(value) !== undefined) ? undefined : "must be a duration such as \"30 s\"";
    case "Enum": {
      const allowed = option.enum ?? [];
      return typeof value === "string" && allowed.some((e) => e.toUpperCase() === value.toUpperCase()) ? undefined : `must be one of ${allowed.join(", ")}`;
    }
    case "List<String>":
    case "List<Enum>":
      return Array.isArray(value) || typeof value === "string" ? undefined : "must be a list of strings";
    case "Map":
      if (typeof value === "string") return undefined;
      if (!isStringMap(value) || Object.keys(value).length === 0 || Object.values(value).some((v) => !["string", "number", "boolean"].includes(typeof v))) {
        return "must be a non-empty map of strings";
      }
      return Object.entries(value).some(([k, v]) => /[,:'"]/.test(k + String(v))) ? "must not hold ',', ':' or quotes in its keys or values (Flink splits the map on them)" : undefined;
    default:
      return scalar ? undefined : "must be a single value";
  }
}
