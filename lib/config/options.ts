import { catalogFor } from "./catalog";
import { JAVA_MODULE_OPTIONS } from "./jvm";
import { JobManagerMemory, TaskManagerMemory, deriveJobManagerMemory, deriveTaskManagerMemory } from "./memory";
import { ConfigWarning, Problems } from "./problems";
import { FlinkSettings, MetricReporter, RestartStrategy, RestoreSettings, StateBackend } from "./settings";
import { checkRawKeys } from "./raw-keys";
import { ConfigValue, Parsed, UNRESOLVED, ValueReader, durationValue, sizeValue } from "./values";
import { FlinkVersion } from "./version";

/** Flink's minimum for checkpoint interval and timeout (CheckpointCoordinatorConfiguration.MINIMAL_CHECKPOINT_TIME). */
const MINIMAL_CHECKPOINT_TIME_MS = 10;

/** The ports a cluster listens on, as rendered; targets open exactly these. */
export interface FlinkPorts {
  readonly jobManagerRpc: number | string;
  readonly rest: number | string;
  readonly blobServer: number | string;
  readonly taskManagerRpc: number | string;
  readonly taskManagerData: number | string;
  /** Every process's metric query service, which the JobManager asks for the web UI's metrics. */
  readonly metricQueryService: number | string;
  /** One per metric reporter that listens (Prometheus). */
  readonly metrics: ReadonlyArray<number | string>;
}

/** The resolved configuration of one cluster for one Flink version. */
export interface FlinkConfiguration {
  readonly version: FlinkVersion;
  /** Every key written to config.yaml, in the order written. */
  readonly entries: ReadonlyMap<string, ConfigValue>;
  /** Which user property set each key: for error messages and reviews. */
  readonly sources: ReadonlyMap<string, string>;
  /** Flink's derived memory; undefined where a size is a token (derived at deploy time). */
  readonly taskManagerMemory?: TaskManagerMemory;
  readonly jobManagerMemory?: JobManagerMemory;
  readonly jobManagerDirectMemoryLimit: boolean;
  /** Slots per TaskManager; undefined where they are a token. */
  readonly taskSlots?: number;
  readonly ports: FlinkPorts;
}

/** Keys a feature (state storage, HA, monitoring, TLS) contributes, named by the cluster property that added it. */
export interface FeatureKeys {
  readonly property: string;
  readonly config: Readonly<Record<string, ConfigValue>>;
  /** Reporters the feature adds to the user's metricReporters. */
  readonly metricReporters?: readonly MetricReporter[];
  /** Keys the platform sets itself at run time, with why (a target's): left unwritten, and an error when set. */
  readonly ownedKeys?: Readonly<Record<string, string>>;
}

export interface BuildResult {
  /** Undefined when there were errors. */
  readonly configuration?: FlinkConfiguration;
  readonly errors: Problems["errors"];
  readonly warnings: readonly ConfigWarning[];
}

/** Collects keys with the property that set them, so a later raw key can be told which property owns its key. */
class KeyWriter {
  public readonly entries = new Map<string, ConfigValue>();
  public readonly sources = new Map<string, string>();

  constructor(
    public readonly read: ValueReader,
    public readonly owned: ReadonlyMap<string, string> = new Map(),
  ) {}

  public set(key: string, property: string, value: ConfigValue | undefined): void {
    if (value === undefined) return;
    const ownedBecause = this.owned.get(key);
    if (ownedBecause) {
      this.read.problems.error(property, value, `sets ${key}, which ${ownedBecause}`, `remove ${property}.`);
      return;
    }
    this.entries.set(key, value);
    this.sources.set(key, property);
  }

  /** Sets `key` from a size, when given; returns the parsed bytes for the memory model. */
  public size(key: string, property: string, text: string | undefined, options: { allowZero?: boolean } = {}): Parsed<bigint> {
    if (text === undefined) return undefined;
    const parsed = this.read.size(property, text, options);
    this.set(key, property, sizeValue(text, parsed));
    return parsed;
  }

  public duration(key: string, property: string, text: string | undefined, options: { minMs?: number; wholeSeconds?: boolean } = {}): Parsed<number> {
    if (text === undefined) return undefined;
    const parsed = this.read.duration(property, text, options);
    this.set(key, property, durationValue(text, parsed));
    return parsed;
  }

  /** A duration that Flink reads as a plain integer in `unitMs` units (…Sec, request-backoff ms). */
  public durationAsInteger(key: string, property: string, text: string | undefined, unitMs: 1 | 1000): void {
    if (text === undefined) return;
    const parsed = this.read.duration(property, text, { wholeSeconds: unitMs === 1000 });
    if (parsed === undefined) return;
    this.set(key, property, parsed === UNRESOLVED ? text : parsed / unitMs);
  }

  public integer(key: string, property: string, value: number | undefined, options: { min?: number; max?: number } = {}): Parsed<number> {
    if (value === undefined) return undefined;
    const parsed = this.read.integer(property, value, options);
    if (parsed !== undefined) this.set(key, property, value);
    return parsed;
  }

  public fraction(key: string, property: string, value: number | undefined): Parsed<number> {
    if (value === undefined) return undefined;
    const parsed = this.read.fraction(property, value);
    if (parsed !== undefined) this.set(key, property, value);
    return parsed;
  }

  /**
   * A port the user gave, or our fixed default. A port the platform owns is left to it (0: Flink's
   * "any free port"), and giving one is an error.
   */
  public port(key: string, property: string, value: number | string | undefined, fallback: number | string, options: { allowRange?: boolean } = {}): number | string {
    if (value === undefined && this.owned.has(key)) return 0;
    const port = value ?? fallback;
    if (this.read.port(property, port, options) !== undefined) this.set(key, property, port);
    return port;
  }

  public number(key: string, property: string, value: number | undefined, options: { min: number; max?: number }): void {
    if (value !== undefined && this.read.number(property, value, options) !== undefined) this.set(key, property, value);
  }

  /** One of Flink's fixed values (an enum or a fixed string set), written as given. */
  public oneOf<T extends string>(key: string, property: string, value: T | undefined, allowed: readonly T[]): void {
    if (value !== undefined && this.read.oneOf(property, value, allowed) !== undefined) this.set(key, property, value);
  }

  public uri(key: string, property: string, value: string | undefined): void {
    if (value !== undefined && this.read.uri(property, value) !== undefined) this.set(key, property, value);
  }

  public flag(key: string, property: string, value: boolean | undefined): void {
    this.set(key, property, value);
  }

  public text(key: string, property: string, value: string | undefined): void {
    this.set(key, property, value);
  }
}

const known = <T>(parsed: Parsed<T>): T | undefined => (parsed === UNRESOLVED ? undefined : parsed);

/**
 * Turns typed settings into the exact keys the given Flink version reads, with the memory Flink will
 * derive, or the list of everything Flink (or common sense) would refuse.
 */
export function buildConfiguration(
  settings: FlinkSettings,
  version: FlinkVersion,
  isUnresolved: (value: unknown) => boolean = () => false,
  features: readonly FeatureKeys[] = [],
): BuildResult {
  const problems = new Problems();
  if (version.problem) {
    problems.error("version", version.version, version.problem, "use FlinkVersion.V1_20, V2_0, V2_1, V2_2 or V2_3, or FlinkVersion.of(\"MAJOR.MINOR\") for another release.");
    return { errors: problems.errors, warnings: problems.warnings };
  }
  if (!version.isChecked) {
    problems.warn("flink:unchecked-version", `Flink ${version.version} has no key catalog in this package: keys are written as for Flink ${version.keyFamily} and raw keys are not checked.`);
  }
  const owned = new Map(features.flatMap((f) => Object.entries(f.ownedKeys ?? {})));
  const w = new KeyWriter(new ValueReader(problems, isUnresolved), owned);
  const jm = settings.jobManager ?? {};
  const tm = settings.taskManager ?? {};

  w.text("jobmanager.rpc.address", "jobManager.rpcAddress", jm.rpcAddress);
  const jobManagerRpc = w.port("jobmanager.rpc.port", "jobManager.rpcPort", jm.rpcPort, 6123);
  w.text("rest.address", "jobManager.restAddress", jm.restAddress);
  w.text("rest.bind-address", "jobManager.restBindAddress", jm.restBindAddress);
  const rest = w.port("rest.port", "jobManager.restPort", jm.restPort, 8081);
  const blobServer = w.port("blob.server.port", "jobManager.blobServerPort", jm.blobServerPort, 6124, { allowRange: true });
  const jobManagerMemory = writeJobManagerMemory(w, settings);

  const taskSlots = known(w.integer("taskmanager.numberOfTaskSlots", "taskManager.slots", tm.slots ?? 1, { min: 1 }));
  w.text("taskmanager.host", "taskManager.host", tm.host);
  const taskManagerRpc = w.port("taskmanager.rpc.port", "taskManager.rpcPort", tm.rpcPort, 6122, { allowRange: true });
  const taskManagerData = w.port("taskmanager.data.port", "taskManager.dataPort", tm.dataPort, 6121);
  const taskManagerMemory = writeTaskManagerMemory(w, settings);

  writeResourceManager(w, settings);
  writeNetwork(w, settings);
  w.integer("parallelism.default", "parallelism", settings.parallelism, { min: 1 });
  writeScheduler(w, settings, version);
  const metricQueryService = w.port("metrics.internal.query-service.port", "metricQueryServicePort", settings.metricQueryServicePort, 6125, { allowRange: true });
  if (settings.javaModuleOptions ?? true) w.text("env.java.default-opts.all", "javaModuleOptions", JAVA_MODULE_OPTIONS);
  writeCheckpointing(w, settings);
  writeRestore(w, settings.restore);
  writeStateBackend(w, settings.stateBackend, settings);
  writeRestartStrategy(w, settings.restartStrategy);
  const metrics = writeMetricReporters(w, [
    ...(settings.metricReporters ?? []).map((reporter, i) => ({ reporter, property: `metricReporters[${i}]` })),
    ...features.flatMap((f) => (f.metricReporters ?? []).map((reporter) => ({ reporter, property: f.property }))),
  ]);

  checkTypedKeysExist(w, version, problems);
  for (const feature of features) {
    checkRawKeys(feature.config, version, w, problems, feature.property);
  }
  // With ZooKeeper HA, a JobManager's RPC endpoint listens on high-availability.jobmanager.port (default 0:
  // random) instead of jobmanager.rpc.port (ClusterEntrypoint reads it only in ZooKeeper mode, 1.20 and 2.x);
  // the same port keeps the target's firewall rules right.
  const ha = w.entries.get("high-availability.type");
  if (typeof ha === "string" && ha.toUpperCase() === "ZOOKEEPER" && jobManagerRpc !== 0) w.text("high-availability.jobmanager.port", "jobManager.rpcPort", String(jobManagerRpc));
  checkRawKeys(settings.rawConfig ?? {}, version, w, problems);
  checkScheduling(w, problems);
  if (w.entries.has("execution.checkpointing.interval") && !w.entries.has("execution.checkpointing.dir")) {
    problems.warn("flink:no-checkpoint-directory", "checkpointing is on but no checkpoint directory is set: checkpoints stay in JobManager memory and are lost with it. Set checkpointing.directory to a durable URI such as s3://bucket/checkpoints, or give the cluster a stateStorage.");
  }

  checkPortsDistinct(problems, [
    ["jobManager.rpcPort", jobManagerRpc],
    ["jobManager.restPort", rest],
    ["jobManager.blobServerPort", blobServer],
    ["taskManager.rpcPort", taskManagerRpc],
    ["taskManager.dataPort", taskManagerData],
    ["metricQueryServicePort", metricQueryService],
    ...metrics,
  ]);

  if (problems.errors.length > 0) return { errors: problems.errors, warnings: problems.warnings };
  return {
    configuration: {
      version,
      entries: w.entries,
      sources: w.sources,
      taskManagerMemory,
      jobManagerMemory,
      jobManagerDirectMemoryLimit: settings.jobManager?.memory?.directMemoryLimit ?? false,
      taskSlots,
      ports: { jobManagerRpc, rest, blobServer, taskManagerRpc, taskManagerData, metricQueryService, metrics: metrics.map(([, port]) => port) },
    },
    errors: [],
    warnings: problems.warnings,
  };
}

/** The process sizes flink-dist's config.yaml sets, written when the user gives no memory size of a role. */
export const FLINK_DIST_PROCESS_SIZE = { jobManager: "1600m", taskManager: "1728m" } as const;

/** Writes the memory keys the user set (flink-dist's default process size when none) and derives the rest. */
function writeJobManagerMemory(w: KeyWriter, settings: FlinkSettings): JobManagerMemory | undefined {
  const m = settings.jobManager?.memory ?? {};
  const p = "jobManager.memory";
  const styleGiven = m.process !== undefined || m.flink !== undefined || m.heap !== undefined;
  const input = {
    process: w.size("jobmanager.memory.process.size", `${p}.process`, styleGiven ? m.process : FLINK_DIST_PROCESS_SIZE.jobManager),
    flink: w.size("jobmanager.memory.flink.size", `${p}.flink`, m.flink),
    heap: w.size("jobmanager.memory.heap.size", `${p}.heap`, m.heap),
    offHeap: w.size("jobmanager.memory.off-heap.size", `${p}.offHeap`, m.offHeap, { allowZero: true }),
    jvmMetaspace: w.size("jobmanager.memory.jvm-metaspace.size", `${p}.jvmMetaspace`, m.jvmMetaspace),
    jvmOverheadFraction: w.fraction("jobmanager.memory.jvm-overhead.fraction", `${p}.jvmOverheadFraction`, m.jvmOverheadFraction),
    jvmOverheadMin: w.size("jobmanager.memory.jvm-overhead.min", `${p}.jvmOverheadMin`, m.jvmOverheadMin, { allowZero: true }),
    jvmOverheadMax: w.size("jobmanager.memory.jvm-overhead.max", `${p}.jvmOverheadMax`, m.jvmOverheadMax, { allowZero: true }),
  };
  w.flag("jobmanager.memory.enable-jvm-direct-memory-limit", `${p}.directMemoryLimit`, m.directMemoryLimit);
  return deriveMemory(w, p, input, deriveJobManagerMemory);
}

function writeTaskManagerMemory(w: KeyWriter, settings: FlinkSettings): TaskManagerMemory | undefined {
  const m = settings.taskManager?.memory ?? {};
  const p = "taskManager.memory";
  const styleGiven = m.process !== undefined || m.flink !== undefined || (m.taskHeap !== undefined && m.managed !== undefined);
  const input = {
    process: w.size("taskmanager.memory.process.size", `${p}.process`, styleGiven ? m.process : FLINK_DIST_PROCESS_SIZE.taskManager),
    flink: w.size("taskmanager.memory.flink.size", `${p}.flink`, m.flink),
    taskHeap: w.size("taskmanager.memory.task.heap.size", `${p}.taskHeap`, m.taskHeap),
    managed: w.size("taskmanager.memory.managed.size", `${p}.managed`, m.managed, { allowZero: true }),
    managedFraction: w.fraction("taskmanager.memory.managed.fraction", `${p}.managedFraction`, m.managedFraction),
    frameworkHeap: w.size("taskmanager.memory.framework.heap.size", `${p}.frameworkHeap`, m.frameworkHeap, { allowZero: true }),
    frameworkOffHeap: w.size("taskmanager.memory.framework.off-heap.size", `${p}.frameworkOffHeap`, m.frameworkOffHeap, { allowZero: true }),
    taskOffHeap: w.size("taskmanager.memory.task.off-heap.size", `${p}.taskOffHeap`, m.taskOffHeap, { allowZero: true }),
    networkFraction: w.fraction("taskmanager.memory.network.fraction", `${p}.networkFraction`, m.networkFraction),
    networkMin: w.size("taskmanager.memory.network.min", `${p}.networkMin`, m.networkMin, { allowZero: true }),
    networkMax: w.size("taskmanager.memory.network.max", `${p}.networkMax`, m.networkMax, { allowZero: true }),
    jvmMetaspace: w.size("taskmanager.memory.jvm-metaspace.size", `${p}.jvmMetaspace`, m.jvmMetaspace),
    jvmOverheadFraction: w.fraction("taskmanager.memory.jvm-overhead.fraction", `${p}.jvmOverheadFraction`, m.jvmOverheadFraction),
    jvmOverheadMin: w.size("taskmanager.memory.jvm-overhead.min", `${p}.jvmOverheadMin`, m.jvmOverheadMin, { allowZero: true }),
    jvmOverheadMax: w.size("taskmanager.memory.jvm-overhead.max", `${p}.jvmOverheadMax`, m.jvmOverheadMax, { allowZero: true }),
  };
  return deriveMemory(w, p, input, deriveTaskManagerMemory);
}

/**
 * Runs Flink's derivation when every input is known. A bad input was already reported; a token
 * means the sizes are only known at deploy time, which is said once as a warning.
 */
function deriveMemory<I extends object, M>(
  w: KeyWriter,
  property: string,
  input: I,
  derive: (input: { [K in keyof I]: Exclude<I[K], symbol> }, problems: Problems, property: string) => M | undefined,
): M | undefined {
  const problems = w.read.problems;
  const errorsBefore = problems.errors.length;
  if (Object.values(input).some((v) => v === UNRESOLVED)) {
    problems.warn("flink:memory-unchecked", `${property} uses a token, so its memory breakdown cannot be derived or checked at synth time.`);
    return undefined;
  }
  // Inputs that failed to parse are already errors; deriving without them would only add noise.
  if (problems.errors.some((e) => e.property.startsWith(`${property}.`))) return undefined;
  const derived = derive(input as { [K in keyof I]: Exclude<I[K], symbol> }, problems, property);
  return problems.errors.length > errorsBefore ? undefined : derived;
}

function writeResourceManager(w: KeyWriter, settings: FlinkSettings): void {
  const rm = settings.resourceManager ?? {};
  w.duration("resourcemanager.taskmanager-timeout", "resourceManager.taskManagerIdleTimeout", rm.taskManagerIdleTimeout);
  w.duration("resourcemanager.taskmanager-registration.timeout", "resourceManager.taskManagerRegistrationTimeout", rm.taskManagerRegistrationTimeout);
  w.duration("slot.request.timeout", "resourceManager.slotRequestTimeout", rm.slotRequestTimeout);
  w.duration("slot.idle.timeout", "resourceManager.slotIdleTimeout", rm.slotIdleTimeout);
}

function writeNetwork(w: KeyWriter, settings: FlinkSettings): void {
  const n = settings.network ?? {};
  const p = "network";
  w.size("taskmanager.memory.segment-size", `${p}.bufferSize`, n.bufferSize);
  w.integer("taskmanager.network.memory.read-buffer.required-per-gate.max", `${p}.maxRequiredBuffersPerGate`, n.maxRequiredBuffersPerGate, { min: 1 });
  if (n.bufferDebloat) {
    const d = n.bufferDebloat;
    const dp = `${p}.bufferDebloat`;
    w.flag("taskmanager.network.memory.buffer-debloat.enabled", `${dp}.enabled`, d.enabled ?? true);
    w.duration("taskmanager.network.memory.buffer-debloat.target", `${dp}.target`, d.target, { minMs: 1 });
    w.duration("taskmanager.network.memory.buffer-debloat.period", `${dp}.period`, d.period, { minMs: 1 });
    w.integer("taskmanager.network.memory.buffer-debloat.samples", `${dp}.samples`, d.samples, { min: 1 });
    w.integer("taskmanager.network.memory.buffer-debloat.threshold-percentages", `${dp}.thresholdPercentages`, d.thresholdPercentages, { min: 0, max: 100 });
  }
  w.oneOf("taskmanager.network.compression.codec", `${p}.compressionCodec`, n.compressionCodec, ["LZ4", "LZO", "ZSTD"]);
  w.durationAsInteger("taskmanager.network.netty.client.connectTimeoutSec", `${p}.nettyClientConnectTimeout`, n.nettyClientConnectTimeout, 1000);
  w.durationAsInteger("taskmanager.network.netty.client.tcp.keepIdleSec", `${p}.nettyClientTcpKeepIdle`, n.nettyClientTcpKeepIdle, 1000);
  w.durationAsInteger("taskmanager.network.netty.client.tcp.keepIntervalSec", `${p}.nettyClientTcpKeepInterval`, n.nettyClientTcpKeepInterval, 1000);
  w.integer("taskmanager.network.netty.client.tcp.keepCount", `${p}.nettyClientTcpKeepCount`, n.nettyClientTcpKeepCount, { min: 1 });
  w.duration("taskmanager.network.partition-request-timeout", `${p}.partitionRequestTimeout`, n.partitionRequestTimeout, { minMs: 1 });
  w.durationAsInteger("taskmanager.network.request-backoff.initial", `${p}.requestBackoffInitial`, n.requestBackoffInitial, 1);
  w.durationAsInteger("taskmanager.network.request-backoff.max", `${p}.requestBackoffMax`, n.requestBackoffMax, 1);
  w.integer("taskmanager.network.retries", `${p}.retries`, n.retries, { min: 0 });
  w.integer("taskmanager.network.sort-shuffle.min-buffers", `${p}.sortShuffleMinBuffers`, n.sortShuffleMinBuffers, { min: 1 });
  w.flag("taskmanager.network.tcp-connection.enable-reuse-across-jobs", `${p}.reuseTcpConnectionsAcrossJobs`, n.reuseTcpConnectionsAcrossJobs);
  w.flag("taskmanager.network.detailed-metrics", `${p}.detailedMetrics`, n.detailedMetrics);
}

/** Flink's upper bound of max parallelism (KeyGroupRangeAssignment.UPPER_BOUND_MAX_PARALLELISM). */
const UPPER_BOUND_MAX_PARALLELISM = 32768;

/**
 * The scheduler (`jobmanager.scheduler`, reactive mode's `scheduler-mode`), max parallelism, and the
 * adaptive scheduler's timeouts under the keys of the version: 2.0 renamed the submission timeouts and
 * the rescale interval, added the rescale triggers and dropped `min-parallelism-increase` and
 * `scaling-interval.max`.
 */
function writeScheduler(w: KeyWriter, settings: FlinkSettings, version: FlinkVersion): void {
  const problems = w.read.problems;
  w.integer("pipeline.max-parallelism", "maxParallelism", settings.maxParallelism, { min: 1, max: UPPER_BOUND_MAX_PARALLELISM });
  const scheduler = settings.scheduler === undefined ? undefined : w.read.oneOf("scheduler", settings.scheduler, ["default", "adaptive", "reactive"]);
  if (typeof scheduler === "string") {
    w.text("jobmanager.scheduler", "scheduler", scheduler === "default" ? "default" : "adaptive");
    if (scheduler === "reactive") w.text("scheduler-mode", "scheduler", "reactive");
  }
  const a = settings.adaptiveScheduler;
  if (!a) return;
  const p = "adaptiveScheduler";
  if (settings.scheduler !== "adaptive" && settings.scheduler !== "reactive") {
    problems.error(p, a, `only applies to the adaptive scheduler, and scheduler is ${JSON.stringify(settings.scheduler ?? "default")}`, 'set scheduler: "adaptive" or "reactive", or remove adaptiveScheduler.');
    return;
  }
  const key = (name: string) => `jobmanager.adaptive-scheduler.${name}`;
  const v2 = version.isV2;
  w.duration(key(v2 ? "submission.resource-wait-timeout" : "resource-wait-timeout"), `${p}.resourceWaitTimeout`, a.resourceWaitTimeout);
  w.duration(key(v2 ? "submission.resource-stabilization-timeout" : "resource-stabilization-timeout"), `${p}.resourceStabilizationTimeout`, a.resourceStabilizationTimeout);
  w.duration(key(v2 ? "executing.cooldown-after-rescaling" : "scaling-interval.min"), `${p}.cooldownAfterRescaling`, a.cooldownAfterRescaling);
  w.flag(key("prefer-minimal-taskmanagers"), `${p}.preferMinimalTaskManagers`, a.preferMinimalTaskManagers);
  const onlyIn = (property: string, value: unknown, line: "1.20" | "2.x", flinkKey: string, fix: string) =>
    problems.error(`${p}.${property}`, value, `is a Flink ${line} setting (${key(flinkKey)}), which Flink ${version.version} does not have`, fix);
  if (v2) {
    w.duration(key("executing.resource-stabilization-timeout"), `${p}.rescaleStabilizationTimeout`, a.rescaleStabilizationTimeout);
    w.duration(key("rescale-trigger.max-delay"), `${p}.rescaleTriggerMaxDelay`, a.rescaleTriggerMaxDelay);
    w.integer(key("rescale-trigger.max-checkpoint-failures"), `${p}.rescaleTriggerMaxCheckpointFailures`, a.rescaleTriggerMaxCheckpointFailures, { min: 1 });
    const replacement = "remove it: Flink 2.x rescales after a completed checkpoint instead (rescaleTriggerMaxDelay, rescaleStabilizationTimeout).";
    if (a.minParallelismIncrease !== undefined) onlyIn("minParallelismIncrease", a.minParallelismIncrease, "1.20", "min-parallelism-increase", replacement);
    if (a.scalingIntervalMax !== undefined) onlyIn("scalingIntervalMax", a.scalingIntervalMax, "1.20", "scaling-interval.max", replacement);
  } else {
    w.integer(key("min-parallelism-increase"), `${p}.minParallelismIncrease`, a.minParallelismIncrease, { min: 1 });
    w.duration(key("scaling-interval.max"), `${p}.scalingIntervalMax`, a.scalingIntervalMax);
    const replacement = "remove it for Flink 1.20 (resourceStabilizationTimeout and cooldownAfterRescaling apply to both lines).";
    if (a.rescaleStabilizationTimeout !== undefined) onlyIn("rescaleStabilizationTimeout", a.rescaleStabilizationTimeout, "2.x", "executing.resource-stabilization-timeout", replacement);
    if (a.rescaleTriggerMaxDelay !== undefined) onlyIn("rescaleTriggerMaxDelay", a.rescaleTriggerMaxDelay, "2.x", "rescale-trigger.max-delay", replacement);
    if (a.rescaleTriggerMaxCheckpointFailures !== undefined) onlyIn("rescaleTriggerMaxCheckpointFailures", a.rescaleTriggerMaxCheckpointFailures, "2.x", "rescale-trigger.max-checkpoint-failures", replacement);
  }
}

/**
 * What Flink's schedulers require, checked on the keys as written (typed or raw). Reactive mode sets
 * every operator's parallelism to its max parallelism and rescales by restarting the job from its
 * latest checkpoint; a removed TaskManager is a failure, which only a restart strategy recovers.
 * Where reactive mode may run (standalone application clusters) is the target's check.
 */
function checkScheduling(w: KeyWriter, problems: Problems): void {
  const entries = w.entries;
  const parallelism = entries.get("parallelism.default");
  const maxParallelism = entries.get("pipeline.max-parallelism");
  const reactive = String(entries.get("scheduler-mode") ?? "").toLowerCase() === "reactive";
  if (!reactive) {
    if (typeof parallelism === "number" && typeof maxParallelism === "number" && maxParallelism > 0 && parallelism > maxParallelism) {
      problems.error(w.sources.get("parallelism.default")!, parallelism, `is above maxParallelism ${maxParallelism}: Flink refuses to run an operator with more parallel instances than its max parallelism`, "lower parallelism or raise maxParallelism.");
    }
    return;
  }
  const mode = w.sources.get("scheduler-mode")!;
  const scheduler = entries.get("jobmanager.scheduler");
  if (scheduler !== undefined && String(scheduler).toLowerCase() !== "adaptive") {
    problems.error(w.sources.get("jobmanager.scheduler")!, scheduler, "contradicts reactive mode, which runs on the adaptive scheduler", `remove it; ${mode} sets the scheduler.`);
  }
  if (String(entries.get("restart-strategy.type") ?? "").toLowerCase() === "none") {
    problems.error(w.sources.get("restart-strategy.type")!, "none", "leaves reactive mode no way to scale down: a removed TaskManager fails its tasks, and without restarts the job fails instead of rescaling", "use RestartStrategy.fixedDelay(...) or exponentialDelay(...) (Flink's default with checkpointing on).");
  }
  if (parallelism !== undefined) {
    problems.warn(
      "flink:reactive-ignores-parallelism",
      `${w.sources.get("parallelism.default")} is ${parallelism}, but reactive mode does not run the job at it: each operator runs with as many instances as there are slots, up to its max parallelism${maxParallelism === undefined ? " (which Flink then derives from this parallelism)" : ""}. Remove parallelism; set maxParallelism to bound the job.`,
    );
  }
  if (maxParallelism === undefined) {
    problems.warn(
      "flink:reactive-max-parallelism",
      `${mode} is reactive mode without maxParallelism: operators that set none scale up to the max parallelism Flink derives from the job's parallelism (1.5 x parallelism rounded up to a power of two, at least 128; Flink 2.3 showed 128 for the default parallelism, not the 32768 its reactive-mode docs name), so slots past it stay idle, and the value is fixed in the job's keyed state (changing it later loses that state). Set maxParallelism to the most slots the cluster may reach (max TaskManagers x slots) before the job's first checkpoint.`,
    );
  }
  if (!entries.has("execution.checkpointing.interval")) {
    problems.warn(
      "flink:reactive-without-checkpoints",
      `${mode} is reactive mode without checkpointing: every rescale restarts the job from its latest completed checkpoint, so without one the job loses its state on each rescale${entries.has("restart-strategy.type") ? "" : ", and without a restart strategy (Flink's default is none when checkpointing is off) a removed TaskManager fails the job"}. Set checkpointing.interval.`,
    );
  }
}

function writeRestore(w: KeyWriter, restore: RestoreSettings | undefined): void {
  if (!restore) return;
  w.uri("execution.state-recovery.path", "restore.path", restore.path);
  w.oneOf("execution.state-recovery.claim-mode", "restore.claimMode", restore.claimMode, ["CLAIM", "NO_CLAIM"]);
  w.flag("execution.state-recovery.ignore-unclaimed-state", "restore.allowNonRestoredState", restore.allowNonRestoredState);
}

function writeCheckpointing(w: KeyWriter, settings: FlinkSettings): void {
  const c = settings.checkpointing;
  if (!c) return;
  const p = "checkpointing";
  const min = { minMs: MINIMAL_CHECKPOINT_TIME_MS };
  w.duration("execution.checkpointing.interval", `${p}.interval`, c.interval, min);
  w.oneOf("execution.checkpointing.mode", `${p}.mode`, c.mode, ["EXACTLY_ONCE", "AT_LEAST_ONCE"]);
  w.duration("execution.checkpointing.timeout", `${p}.timeout`, c.timeout, min);
  w.integer("execution.checkpointing.max-concurrent-checkpoints", `${p}.maxConcurrent`, c.maxConcurrent, { min: 1 });
  w.duration("execution.checkpointing.min-pause", `${p}.minPause`, c.minPause);
  w.integer("execution.checkpointing.tolerable-failed-checkpoints", `${p}.tolerableFailedCheckpoints`, c.tolerableFailedCheckpoints, { min: 0 });
  w.oneOf("execution.checkpointing.externalized-checkpoint-retention", `${p}.externalizedRetention`, c.externalizedRetention, [
    "RETAIN_ON_CANCELLATION",
    "DELETE_ON_CANCELLATION",
    "NO_EXTERNALIZED_CHECKPOINTS",
  ]);
  w.integer("execution.checkpointing.num-retained", `${p}.retained`, c.retained, { min: 1 });
  w.flag("execution.checkpointing.incremental", `${p}.incremental`, c.incremental);
  w.flag("execution.checkpointing.unaligned.enabled", `${p}.unaligned`, c.unaligned);
  w.uri("execution.checkpointing.dir", `${p}.directory`, c.directory);
  w.uri("execution.checkpointing.savepoint-dir", `${p}.savepointDirectory`, c.savepointDirectory);
  if (c.unaligned && c.mode === "AT_LEAST_ONCE") {
    w.read.problems.error(`${p}.unaligned`, true, "requires checkpointing.mode EXACTLY_ONCE (Flink only aligns, or unaligns, exactly-once checkpoints)", "remove unaligned or use mode \"EXACTLY_ONCE\".");
  }
}

function writeStateBackend(w: KeyWriter, backend: StateBackend | undefined, settings: FlinkSettings): void {
  if (!backend) return;
  const p = "stateBackend";
  w.text("state.backend.type", `${p}.type`, backend.type);
  if (backend.type === "hashmap") {
    if (settings.checkpointing?.incremental) {
      w.read.problems.warn("flink:incremental-hashmap", "checkpointing.incremental has no effect with the hashmap state backend: every checkpoint is full. Use StateBackend.rocksdb() for incremental checkpoints.");
    }
    return;
  }
  const r = backend.rocksdb;
  const rp = `${p}.rocksdb`;
  w.uri("state.backend.rocksdb.localdir", `${rp}.localDir`, r.localDir);
  w.oneOf("state.backend.rocksdb.predefined-options", `${rp}.predefinedOptions`, r.predefinedOptions, ["DEFAULT", "SPINNING_DISK_OPTIMIZED", "SPINNING_DISK_OPTIMIZED_HIGH_MEM", "FLASH_SSD_OPTIMIZED"]);
  w.size("state.backend.rocksdb.writebuffer.size", `${rp}.writeBufferSize`, r.writeBufferSize);
  w.integer("state.backend.rocksdb.writebuffer.count", `${rp}.writeBufferCount`, r.writeBufferCount, { min: 1 });
  w.size("state.backend.rocksdb.block.blocksize", `${rp}.blockSize`, r.blockSize);
  w.size("state.backend.rocksdb.block.cache-size", `${rp}.blockCacheSize`, r.blockCacheSize);
  if (r.bloomFilter !== undefined) {
    const bloom = r.bloomFilter;
    w.flag("state.backend.rocksdb.use-bloom-filter", `${rp}.bloomFilter`, bloom !== false);
    if (typeof bloom === "object") {
      w.number("state.backend.rocksdb.bloom-filter.bits-per-key", `${rp}.bloomFilter.bitsPerKey`, bloom.bitsPerKey, { min: 1 });
      w.flag("state.backend.rocksdb.bloom-filter.block-based-mode", `${rp}.bloomFilter.blockBased`, bloom.blockBased);
    }
  }
  w.flag("state.backend.rocksdb.memory.managed", `${rp}.managedMemory`, r.managedMemory);
  w.integer("state.backend.rocksdb.thread.num", `${rp}.threads`, r.threads, { min: 1 });
  if (r.blockCacheSize !== undefined && r.managedMemory !== false) {
    w.read.problems.warn("flink:rocksdb-block-cache-ignored", "stateBackend.rocksdb.blockCacheSize has no effect while RocksDB uses managed memory (the default): Flink sizes the shared cache from managed memory. Set managedMemory: false to size it yourself.");
  }
}

function writeRestartStrategy(w: KeyWriter, strategy: RestartStrategy | undefined): void {
  if (!strategy) return;
  const p = "restartStrategy";
  const o = strategy.options;
  w.text("restart-strategy.type", `${p}.type`, strategy.type);
  switch (strategy.type) {
    case "fixed-delay":
      w.integer("restart-strategy.fixed-delay.attempts", `${p}.attempts`, o.attempts, { min: 0 });
      w.duration("restart-strategy.fixed-delay.delay", `${p}.delay`, o.delay);
      break;
    case "failure-rate":
      w.integer("restart-strategy.failure-rate.max-failures-per-interval", `${p}.maxFailuresPerInterval`, o.maxFailuresPerInterval, { min: 1 });
      w.duration("restart-strategy.failure-rate.failure-rate-interval", `${p}.interval`, o.interval, { minMs: 1 });
      w.duration("restart-strategy.failure-rate.delay", `${p}.delay`, o.delay);
      break;
    case "exponential-delay": {
      const initial = known(w.duration("restart-strategy.exponential-delay.initial-backoff", `${p}.initialBackoff`, o.initialBackoff, { minMs: 1 })) ?? 1000;
      const max = known(w.duration("restart-strategy.exponential-delay.max-backoff", `${p}.maxBackoff`, o.maxBackoff, { minMs: 1 })) ?? 60_000;
      if (initial > max) {
        w.read.problems.error(`${p}.maxBackoff`, o.maxBackoff ?? "1 min", `must not be below initialBackoff (${o.initialBackoff ?? "1 s"})`, "raise maxBackoff or lower initialBackoff.");
      }
      w.number("restart-strategy.exponential-delay.backoff-multiplier", `${p}.backoffMultiplier`, o.backoffMultiplier, { min: 1 });
      w.duration("restart-strategy.exponential-delay.reset-backoff-threshold", `${p}.resetBackoffThreshold`, o.resetBackoffThreshold, { minMs: 1 });
      w.number("restart-strategy.exponential-delay.jitter-factor", `${p}.jitterFactor`, o.jitterFactor, { min: 0, max: 1 });
      w.integer("restart-strategy.exponential-delay.attempts-before-reset-backoff", `${p}.attemptsBeforeResetBackoff`, o.attemptsBeforeResetBackoff, { min: 1 });
      break;
    }
    case "none":
      break;
  }
}

/** Writes each reporter's keys; returns [property, port] of every port parameter. */
function writeMetricReporters(w: KeyWriter, reporters: ReadonlyArray<{ reporter: MetricReporter; property: string }>): Array<[string, number | string]> {
  const ports: Array<[string, number | string]> = [];
  if (reporters.length === 0) return ports;
  const names = reporters.map((r) => r.reporter.name);
  w.set("metrics.reporters", reporters[0].property.replace(/\[\d+\]$/, ""), names.join(","));
  reporters.forEach(({ reporter, property: p }, i) => {
    // A feature's reporter (monitoring) replaces the user's of the same kind, which would bind a second port.
    const twin = reporters.findIndex((other) => other.reporter.factoryClass === reporter.factoryClass);
    if (twin !== i && !p.startsWith("metricReporters[") && reporters[twin].property.startsWith("metricReporters[")) {
      w.read.problems.error(reporters[twin].property, reporters[twin].reporter.name, `configures the same reporter (${reporter.factoryClass}) as ${p}: one process cannot serve it twice`, `remove it from ${reporters[twin].property}; ${p} sets it up.`);
      return;
    }
    if (!/^[A-Za-z][A-Za-z0-9_-]*$/.test(reporter.name) || names.indexOf(reporter.name) !== i) {
      w.read.problems.error(`${p}.name`, reporter.name, "must be a unique name of letters, digits, '_' or '-'", "give each reporter its own simple name such as \"prom\".");
      return;
    }
    w.text(`metrics.reporter.${reporter.name}.factory.class`, p, reporter.factoryClass);
    for (const [parameter, value] of Object.entries(reporter.parameters)) {
      ports.push([`${p}.${parameter}`, w.port(`metrics.reporter.${reporter.name}.${parameter}`, `${p}.${parameter}`, value, value, { allowRange: true })]);
    }
  });
  return ports;
}

/** Guards the typed mapping itself: every key it writes must be a current key of the version. */
function checkTypedKeysExist(w: KeyWriter, version: FlinkVersion, problems: Problems): void {
  if (!version.catalog) return;
  const catalog = catalogFor(version.catalog);
  for (const [key, property] of w.sources) {
    if (!catalog.isDocumented(key) || catalog.replacementsOf(key).length > 0) {
      problems.error(property, w.entries.get(key), `sets ${key}, which Flink ${version.version} does not document as a current key`, `remove ${property} for this Flink version.`);
    }
  }
}

/** Two roles on one host must not share a port (TaskManager ports are per host, like the JobManager's). */
function checkPortsDistinct(problems: Problems, ports: ReadonlyArray<[string, number | string]>): void {
  const seen = new Map<number, string>();
  for (const [property, port] of ports) {
    if (typeof port !== "number" || port === 0) continue;
    const other = seen.get(port);
    if (other) problems.error(property, port, `collides with ${other}, which uses the same port`, "give every Flink port its own number.");
    else seen.set(port, property);
  }
}
