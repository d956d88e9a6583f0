import * as fs from "fs";
import { parse as parseYaml } from "yaml";
import { CATALOGED_VERSIONS, CatalogedVersion, FlinkVersion, buildConfiguration, catalogFor, jobManagerJvmArgs, taskManagerJvmArgs } from "../lib";
import { readCatalogFile } from "../lib/config/catalog";
import { parseDuration, parseMemorySize } from "../lib/config/units";
import { FlinkOption, FlinkReadConfig, ProbeReport, describeWithRealFlink, dynamicConfigs, flinkLayout, jvmMemoryFlags, probeReport, writeConfigDirs } from "./helpers/real-flink";
import { SETTINGS_FIXTURES } from "./fixtures/settings";
import { FIXTURES_STACK, RenderedCluster, renderedClusters } from "./helpers/rendered";

/**
 * Flink itself judges what we render, for every cataloged line at its newest release (test/flink/pom.xml):
 * - the catalog: its keys against every ConfigOption in Flink's released jars (FlinkProbe, by reflection);
 * - reading: every config.yaml of the examples, and of each settings fixture for every version, loaded
 *   by GlobalConfiguration and each key read through its ConfigOption, equal to what we meant;
 * - sizing: BashJavaUtils (what bin/taskmanager.sh and jobmanager.sh run) gives the bytes of memory.json
 *   and the JVM flags of taskManagerJvmArgs() / jobManagerJvmArgs(); what we refuse, Flink refuses.
 */

const describeFlink = describeWithRealFlink("real-Flink catalog, read and memory tests (test/real-flink.test.ts)", CATALOGED_VERSIONS);

/**
 * Memory settings we refuse, each written as the keys a hand-written config.yaml would hold, with the
 * reason we give and the reason Flink gives. Flink's exception must name the same rule.
 */
interface RefusedMemory {
  readonly name: string;
  readonly settings: Parameters<typeof buildConfiguration>[0];
  readonly keys: Readonly<Record<string, string>>;
  readonly role: "taskManager" | "jobManager";
  readonly ours: RegExp;
  readonly flink: RegExp;
}

const METASPACE_AND_OVERHEAD_ABOVE_PROCESS = { ours: /less than JVM metaspace .* plus JVM overhead/, flink: /Sum of configured JVM Metaspace .* and JVM Overhead .* exceed configured Total Process Memory/ };
const FLINK_AND_METASPACE_ABOVE_PROCESS = { ours: /less than Total Flink memory .* plus JVM metaspace/, flink: /configured Total Process Memory size .* is less than the sum of the derived Total Flink Memory size .* and the configured or default JVM Metaspace size/ };
const PARTS_ABOVE_TOTAL_FLINK = { ours: /less than the .* that framework heap .* add up to/, flink: /Sum of configured Framework Heap Memory .* exceed configured Total Flink Memory/ };
/** Flink names the component in the outer exception and the rule in the inner one. */
const inconsistent = (key: string, rule: string) => new RegExp(`Inconsistently configured Key: '${key.replace(/\./g, "\\.")}'.*${rule}`);
const MIN_ABOVE_MAX = "min value must be less or equal to max value";
const FRACTION_OUT_OF_RANGE = "fraction must be in range \\[0, 1\\)";
const OUR_FRACTION_RULE = /must be a fraction in \[0, 1\)/;

const REFUSED_MEMORY: readonly RefusedMemory[] = [
  { name: "TM process below metaspace + overhead", role: "taskManager", settings: { taskManager: { memory: { process: "400m" } } }, keys: { "taskmanager.memory.process.size": "400m" }, ...METASPACE_AND_OVERHEAD_ABOVE_PROCESS },
  { name: "TM metaspace above the process", role: "taskManager", settings: { taskManager: { memory: { process: "2g", jvmMetaspace: "3g" } } }, keys: { "taskmanager.memory.process.size": "2g", "taskmanager.memory.jvm-metaspace.size": "3g" }, ...METASPACE_AND_OVERHEAD_ABOVE_PROCESS },
  {
    name: "TM fine-grained parts above the process",
    role: "taskManager",
    settings: { taskManager: { memory: { process: "1g", taskHeap: "1g", managed: "1g", networkMin: "64m", networkMax: "64m" } } },
    keys: { "taskmanager.memory.process.size": "1g", "taskmanager.memory.task.heap.size": "1g", "taskmanager.memory.managed.size": "1g", "taskmanager.memory.network.min": "64m", "taskmanager.memory.network.max": "64m" },
    ...FLINK_AND_METASPACE_ABOVE_PROCESS,
  },
  {
    name: "TM network min above max",
    role: "taskManager",
    settings: { taskManager: { memory: { process: "4g", networkMin: "512m", networkMax: "256m" } } },
    keys: { "taskmanager.memory.process.size": "4g", "taskmanager.memory.network.min": "512m", "taskmanager.memory.network.max": "256m" },
    ours: /networkMin: is .* above taskManager.memory.networkMax/,
    flink: inconsistent("taskmanager.memory.network.fraction", MIN_ABOVE_MAX),
  },
  {
    name: "TM overhead min above max",
    role: "taskManager",
    settings: { taskManager: { memory: { process: "4g", jvmOverheadMin: "1g", jvmOverheadMax: "512m" } } },
    keys: { "taskmanager.memory.process.size": "4g", "taskmanager.memory.jvm-overhead.min": "1g", "taskmanager.memory.jvm-overhead.max": "512m" },
    ours: /jvmOverheadMin: is .* above taskManager.memory.jvmOverheadMax/,
    flink: inconsistent("taskmanager.memory.jvm-overhead.fraction", MIN_ABOVE_MAX),
  },
  {
    name: "TM task heap and managed above total Flink memory",
    role: "taskManager",
    settings: { taskManager: { memory: { flink: "1g", taskHeap: "800m", managed: "400m" } } },
    keys: { "taskmanager.memory.flink.size": "1g", "taskmanager.memory.task.heap.size": "800m", "taskmanager.memory.managed.size": "400m" },
    ...PARTS_ABOVE_TOTAL_FLINK,
  },
  { name: "TM managed fraction leaves no task heap", role: "taskManager", settings: { taskManager: { memory: { flink: "1g", managedFraction: 0.95 } } }, keys: { "taskmanager.memory.flink.size": "1g", "taskmanager.memory.managed.fraction": "0.95" }, ...PARTS_ABOVE_TOTAL_FLINK },
  {
    name: "TM network left over above its max",
    role: "taskManager",
    settings: { taskManager: { memory: { flink: "3g", taskHeap: "1g", managed: "1g", networkMin: "512m", networkMax: "512m" } } },
    keys: { "taskmanager.memory.flink.size": "3g", "taskmanager.memory.task.heap.size": "1g", "taskmanager.memory.managed.size": "1g", "taskmanager.memory.network.min": "512m", "taskmanager.memory.network.max": "512m" },
    ours: /leaves .* of network memory, above taskManager.memory.networkMax/,
    flink: /Derived Network Memory size .* is not in configured Network Memory range/,
  },
  { name: "TM network fraction above 1", role: "taskManager", settings: { taskManager: { memory: { process: "2g", networkFraction: 1.5 } } }, keys: { "taskmanager.memory.process.size": "2g", "taskmanager.memory.network.fraction": "1.5" }, ours: OUR_FRACTION_RULE, flink: inconsistent("taskmanager.memory.network.fraction", FRACTION_OUT_OF_RANGE) },
  { name: "JM process below metaspace + overhead", role: "jobManager", settings: { jobManager: { memory: { process: "300m" } } }, keys: { "jobmanager.memory.process.size": "300m" }, ...METASPACE_AND_OVERHEAD_ABOVE_PROCESS },
  { name: "JM heap above the process", role: "jobManager", settings: { jobManager: { memory: { process: "1g", heap: "1g" } } }, keys: { "jobmanager.memory.process.size": "1g", "jobmanager.memory.heap.size": "1g" }, ...FLINK_AND_METASPACE_ABOVE_PROCESS },
  {
    name: "JM heap and off-heap other than total Flink memory",
    role: "jobManager",
    settings: { jobManager: { memory: { flink: "1g", heap: "900m", offHeap: "300m" } } },
    keys: { "jobmanager.memory.flink.size": "1g", "jobmanager.memory.heap.size": "900m", "jobmanager.memory.off-heap.size": "300m" },
    ours: /jobManager.memory.heap .* plus jobManager.memory.offHeap .* add up to/,
    flink: /Sum of the configured JVM Heap Memory .* and the configured Off-heap Memory .* does not match the configured Total Flink Memory/,
  },
  { name: "JM overhead fraction of 1", role: "jobManager", settings: { jobManager: { memory: { process: "2g", jvmOverheadFraction: 1 } } }, keys: { "jobmanager.memory.process.size": "2g", "jobmanager.memory.jvm-overhead.fraction": "1" }, ours: OUR_FRACTION_RULE, flink: inconsistent("jobmanager.memory.jvm-overhead.fraction", FRACTION_OUT_OF_RANGE) },
];

/**
 * Modules whose options the catalog documents but Maven Central serves at no release of the line (so
 * test/flink/pom.xml cannot add them): their keys are not checked for that line.
 */
const NOT_SERVED: Partial<Record<CatalogedVersion, ReadonlyArray<{ module: string; keys: RegExp }>>> = {
  // Only 2.0.0 of the module is served; the docs are 2.0.2's, which added this key.
  "2.0": [{ module: "flink-statebackend-forst 2.0.2", keys: /^state\.backend\.forst\.sync\.enforce-local$/ }],
  "2.1": [
    { module: "flink-statebackend-forst", keys: /^state\.backend\.forst\./ },
    { module: "flink-metrics-influxdb", keys: /^metrics\.reporter\.influxdb\./ },
    { module: "flink-metrics-otel", keys: /^metrics\.reporter\.OpenTelemetry\./ },
  ],
  "2.2": [
    { module: "flink-metrics-influxdb", keys: /^metrics\.reporter\.influxdb\./ },
    { module: "flink-metrics-otel", keys: /^metrics\.reporter\.OpenTelemetry\./ },
  ],
};

/** Documented placeholder keys no static ConfigOption declares, and why. */
const PLACEHOLDERS_WITHOUT_OPTION: readonly string[] = [
  // flink-external-resource-gpu: Maven Central lacks its parent POM (flink-external-resources), so it cannot be resolved.
  "external-resource.<resource_name>.param.discovery-script.args",
  "external-resource.<resource_name>.param.discovery-script.path",
  // Flink builds this key per delegation token provider at run time (DelegationTokenProvider.serviceName()).
  "security.delegation.token.provider.<serviceName>.enabled",
];

/** What a rendered value means, in the probe's normal form for Flink's type of the key. */
function expectedValue(value: unknown, type: string | undefined): unknown {
  if (Array.isArray(value)) return value.map(String);
  if (value !== null && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, String(v)]));
  const text = String(value);
  switch (type) {
    case "Duration":
      return parseDuration(text);
    case "MemorySize":
      return parseMemorySize(text)?.toString();
    case "Boolean":
      return text.toLowerCase() === "true";
    case "Integer":
    case "Long":
    case "Double":
    case "Float":
      return Number(text);
    case "Enum":
      return text.toUpperCase();
    case "Map":
      return Object.fromEntries(text.split(",").map((entry) => [entry.slice(0, entry.indexOf(":")), entry.slice(entry.indexOf(":") + 1)]));
    default:
      if (type?.startsWith("List<")) return text.split(";");
      return text;
  }
}

/**
 * A default as the docs render it, in the probe's normal form; undefined where the docs describe it in
 * words ("infinite", "JVM default keystore type") or by machine ("System.getProperty(...)").
 */
function documentedDefault(text: string, type: string): unknown {
  if (text === "(none)") return type.startsWith("List") ? [] : type === "String" ? "" : null;
  if (type.startsWith("List")) return text === "" ? [] : text.split(";").map((item) => item.replace(/^"(.*)"$/, "$1"));
  if (/^".*"$/.test(text)) return expectedValue(text.slice(1, -1), type);
  if (["Duration", "MemorySize", "Boolean", "Integer", "Long", "Double", "Float", "Enum"].includes(type)) {
    const value = expectedValue(text, type);
    return typeof value === "number" && Number.isNaN(value) ? undefined : value;
  }
  return undefined;
}

/** The probe's value in a form comparable with expectedValue(): enum names upper-cased. */
function flinkValue(value: unknown, type: string | undefined): unknown {
  if (type === "Enum" && typeof value === "string") return value.toUpperCase();
  if (type === "List<Enum>" && Array.isArray(value)) return value.map((v) => String(v).toUpperCase());
  return value;
}

const TM_COMPONENTS: Readonly<Record<string, string>> = {
  frameworkHeap: "taskmanager.memory.framework.heap.size",
  taskHeap: "taskmanager.memory.task.heap.size",
  frameworkOffHeap: "taskmanager.memory.framework.off-heap.size",
  taskOffHeap: "taskmanager.memory.task.off-heap.size",
  managed: "taskmanager.memory.managed.size",
  network: "taskmanager.memory.network.min",
  jvmMetaspace: "taskmanager.memory.jvm-metaspace.size",
  jvmOverhead: "taskmanager.memory.jvm-overhead.min",
};
const JM_COMPONENTS: Readonly<Record<string, string>> = {
  jvmHeap: "jobmanager.memory.heap.size",
  offHeap: "jobmanager.memory.off-heap.size",
  jvmMetaspace: "jobmanager.memory.jvm-metaspace.size",
  jvmOverhead: "jobmanager.memory.jvm-overhead.min",
};

const bytes = (value: string | undefined) => (value === undefined ? undefined : Number(value.replace(/b$/, "")));

describeFlink.each(CATALOGED_VERSIONS)("Flink %s", (line) => {
  const catalog = catalogFor(line);
  let report: ProbeReport;
  let clusters: readonly RenderedCluster[];
  let refusedReads: FlinkReadConfig[];
  let optionsByKey: Map<string, FlinkOption[]>;
  let release: string;
  let configsRoot: string;

  beforeAll(async () => {
    const layout = flinkLayout(line);
    release = layout.release;
    clusters = renderedClusters().filter((c) => c.line === line);
    const refusedFiles = REFUSED_MEMORY.map((r) => ({ name: `refused-${r.name}`, configYaml: Object.entries(r.keys).map(([k, v]) => `${k}: ${v}\n`).join("") }));
    const { root, dirs } = writeConfigDirs([...clusters.map((c) => ({ name: c.name, configYaml: c.configYaml })), ...refusedFiles]);
    configsRoot = root;
    report = await probeReport(layout, dirs);
    refusedReads = report.configs.slice(clusters.length);
    optionsByKey = new Map();
    for (const option of report.options) optionsByKey.set(option.key, [...(optionsByKey.get(option.key) ?? []), option]);
  }, 10 * 60 * 1000);

  afterAll(() => {
    if (configsRoot) fs.rmSync(configsRoot, { recursive: true, force: true });
  });

  test("renders the examples and every settings fixture for this version", () => {
    expect(clusters.filter((c) => c.name.startsWith(`${FIXTURES_STACK}/`))).toHaveLength(Object.keys(SETTINGS_FIXTURES).length);
    expect(report.options.length).toBeGreaterThan(500);
  });

  test("every key the catalog calls current is an option in Flink's released jars", () => {
    // Reporter parameters are documented for one reporter name (metrics.reporter.influxdb.host); the
    // reporter declares them without the prefix (InfluxdbReporterOptions.HOST is "host").
    const isReporterParameter = (key: string) => {
      const parameter = /^metrics\.reporter\.[^.]+\.(.+)$/.exec(key)?.[1];
      return parameter !== undefined && (optionsByKey.get(parameter) ?? []).some((o) => o.declaredBy.startsWith("org.apache.flink.metrics."));
    };
    const missing = catalog.keys().filter((key) => !optionsByKey.has(key) && !isReporterParameter(key));
    const notServed = NOT_SERVED[line] ?? [];
    const unexplained = missing.filter((key) => !notServed.some((m) => m.keys.test(key)));
    expect({ release, unexplained }).toEqual({ release, unexplained: [] });
    // Each listed module must still explain something; once Maven Central serves it, drop it from the list.
    for (const m of notServed) expect({ module: m.module, checkable: missing.some((key) => m.keys.test(key)) }).toEqual({ module: m.module, checkable: true });
  });

  test("every placeholder key the catalog documents is declared by Flink, as it is or without its reporter prefix", () => {
    const placeholders = Object.keys(readCatalogFile(line).options).filter((key) => key.includes("<"));
    expect(placeholders.length).toBeGreaterThan(10);
    const undeclared = placeholders.filter((key) => {
      const parameter = /^(?:metrics|traces|events)\.reporter\.<[^>]+>\.(.+)$/.exec(key)?.[1];
      return !optionsByKey.has(key) && !(parameter !== undefined && optionsByKey.has(parameter));
    });
    expect({ release, undeclared }).toEqual({ release, undeclared: PLACEHOLDERS_WITHOUT_OPTION.filter((key) => placeholders.includes(key)) });
  });

  test("every key the catalog calls deprecated is one Flink still falls back from", () => {
    const notRead: string[] = [];
    for (const [oldKey, currentKeys] of Object.entries(readCatalogFile(line).deprecated)) {
      const reads = currentKeys.some((key) => (optionsByKey.get(key) ?? []).some((o) => o.deprecatedKeys.includes(oldKey) || o.fallbackKeys.includes(oldKey)));
      if (!reads) notRead.push(`${oldKey} -> ${currentKeys.join(", ")}`);
    }
    expect({ release, notRead }).toEqual({ release, notRead: [] });
  });

  test("the catalog's type of every key is Flink's", () => {
    const differ: string[] = [];
    for (const key of catalog.keys()) {
      const options = optionsByKey.get(key);
      const documented = catalog.option(key)!.type;
      if (options && !options.some((o) => o.type === documented)) differ.push(`${key}: catalog ${documented}, Flink ${options.map((o) => o.type).join("/")}`);
    }
    expect({ release, differ }).toEqual({ release, differ: [] });
  });

  test("the catalog's default of every key is Flink's, where the docs give a value", () => {
    const differ: string[] = [];
    let compared = 0;
    for (const key of catalog.keys()) {
      const documented = catalog.option(key)!;
      const expected = documentedDefault(documented.default, documented.type);
      const options = optionsByKey.get(key);
      if (expected === undefined || !options) continue;
      compared++;
      // Flink declares "no default" as null or as an empty string or list; the docs print (none) for all three.
      const flinkDefault = (o: FlinkOption) => (o.default === null ? (o.type === "String" ? "" : o.type.startsWith("List") ? [] : null) : flinkValue(o.default, o.type));
      const matches = options.some((o) => JSON.stringify(flinkDefault(o)) === JSON.stringify(expected));
      if (!matches) differ.push(`${key}: docs ${documented.default}, Flink ${options.map((o) => JSON.stringify(o.default)).join("/")}`);
    }
    expect(compared).toBeGreaterThan(400);
    expect({ release, differ }).toEqual({ release, differ: [] });
  });

  test("Flink reads every rendered key, through its option, as the value we meant", () => {
    const problems: string[] = [];
    clusters.forEach((cluster, i) => {
      const read = report.configs[i];
      if (read.error || !read.values) return void problems.push(`${cluster.name}: Flink could not load config.yaml: ${read.error}`);
      const ours = parseYaml(cluster.configYaml) as Record<string, unknown>;
      for (const [key, value] of Object.entries(ours)) {
        const flink = read.values[key];
        if (!flink) problems.push(`${cluster.name}: ${key} is not in the configuration Flink loaded`);
        else if (flink.error) problems.push(`${cluster.name}: ${key}: ${flink.error}`);
        // Only a reporter's own parameters are read without a ConfigOption of their full key (from its MetricConfig).
        else if (flink.option === null && !/^metrics\.reporter\.[^.]+\./.test(key)) problems.push(`${cluster.name}: ${key}: no ConfigOption of Flink ${release} reads it`);
        else {
          const expected = expectedValue(value, flink.type);
          const actual = flinkValue(flink.value, flink.type);
          if (JSON.stringify(actual) !== JSON.stringify(expected)) problems.push(`${cluster.name}: ${key} (${flink.type ?? "no option"}) we meant ${JSON.stringify(expected)}, Flink read ${JSON.stringify(actual)}`);
        }
      }
      for (const key of Object.keys(read.values)) if (!(key in ours)) problems.push(`${cluster.name}: Flink read a key we did not write: ${key}`);
    });
    expect({ release, problems }).toEqual({ release, problems: [] });
  });

  test("Flink's BashJavaUtils sizes every rendered process as memory.json and the JVM flags say", () => {
    const problems: string[] = [];
    clusters.forEach((cluster, i) => {
      const read = report.configs[i];
      const tm = cluster.memory.taskManager;
      const jm = cluster.memory.jobManager;
      if (!tm || !jm) return void problems.push(`${cluster.name}: memory.json has no derivation`);
      if (read.taskManager.error || read.jobManager.error) return void problems.push(`${cluster.name}: Flink refused: ${read.taskManager.error ?? read.jobManager.error}`);
      const tmFlink = dynamicConfigs(read.taskManager.dynamicConfigs!);
      const jmFlink = dynamicConfigs(read.jobManager.dynamicConfigs!);
      const compare = (role: string, ours: Record<string, number>, flink: Record<string, string>, components: Readonly<Record<string, string>>) => {
        for (const [field, key] of Object.entries(components)) {
          if (ours[field] !== bytes(flink[key])) problems.push(`${cluster.name}: ${role} ${field} is ${ours[field]} in memory.json, Flink ${key}=${flink[key]}`);
        }
      };
      compare("taskManager", tm, tmFlink, TM_COMPONENTS);
      compare("jobManager", jm, jmFlink, JM_COMPONENTS);
      const tmFlinkTotal = ["frameworkHeap", "taskHeap", "frameworkOffHeap", "taskOffHeap", "managed", "network"].reduce((sum, f) => sum + bytes(tmFlink[TM_COMPONENTS[f]])!, 0);
      if (tm.totalFlink !== tmFlinkTotal) problems.push(`${cluster.name}: taskManager totalFlink ${tm.totalFlink}, Flink's parts add up to ${tmFlinkTotal}`);
      if (tm.totalProcess !== tmFlinkTotal + bytes(tmFlink[TM_COMPONENTS.jvmMetaspace])! + bytes(tmFlink[TM_COMPONENTS.jvmOverhead])!) problems.push(`${cluster.name}: taskManager totalProcess ${tm.totalProcess} is not Flink's parts`);
      const jmFlinkTotal = bytes(jmFlink[JM_COMPONENTS.jvmHeap])! + bytes(jmFlink[JM_COMPONENTS.offHeap])!;
      if (jm.totalFlink !== jmFlinkTotal) problems.push(`${cluster.name}: jobManager totalFlink ${jm.totalFlink}, Flink's parts add up to ${jmFlinkTotal}`);

      const big = (m: Record<string, number>) => Object.fromEntries(Object.entries(m).map(([k, v]) => [k, BigInt(v)])) as never;
      const tmArgs = taskManagerJvmArgs(big(tm));
      const directLimit = /^jobmanager\.memory\.enable-jvm-direct-memory-limit: true$/m.test(cluster.configYaml);
      const jmArgs = jobManagerJvmArgs(big(jm), directLimit);
      const flags = (args: { heap: bigint; maxDirect?: bigint; maxMetaspace: bigint }) => ({
        "-Xmx": String(args.heap),
        "-Xms": String(args.heap),
        ...(args.maxDirect !== undefined ? { "-XX:MaxDirectMemorySize": String(args.maxDirect) } : {}),
        "-XX:MaxMetaspaceSize": String(args.maxMetaspace),
      });
      const tmFlags = jvmMemoryFlags(read.taskManager.jvmArgs!);
      const jmFlags = jvmMemoryFlags(read.jobManager.jvmArgs!);
      if (JSON.stringify(tmFlags) !== JSON.stringify(flags(tmArgs))) problems.push(`${cluster.name}: TaskManager JVM flags ours ${JSON.stringify(flags(tmArgs))}, Flink ${read.taskManager.jvmArgs}`);
      if (JSON.stringify(jmFlags) !== JSON.stringify(flags(jmArgs))) problems.push(`${cluster.name}: JobManager JVM flags ours ${JSON.stringify(flags(jmArgs))}, Flink ${read.jobManager.jvmArgs}`);
    });
    expect({ release, problems }).toEqual({ release, problems: [] });
  });

  test.each(REFUSED_MEMORY.map((r, i) => [r.name, i] as const))("what we refuse, Flink refuses for the same reason: %s", (_, i) => {
    const refused = REFUSED_MEMORY[i];
    const ours = buildConfiguration(refused.settings, FlinkVersion.of(line));
    const ourReasons = ours.errors.map((e) => `${e.property}: ${e.rule}`).join("\n");
    expect(ourReasons).toMatch(refused.ours);
    const flink = refusedReads[i][refused.role];
    expect(flink.error ?? `Flink accepted it: ${flink.jvmArgs}`).toMatch(refused.flink);
  });
});
