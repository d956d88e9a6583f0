/**
 * The typed settings of a Flink cluster. Sizes and durations are strings in Flink's own notation
 * ("4g", "4096m", "512 mb"; "30 s", "5min", "500ms"); cdktf tokens are accepted wherever a string or
 * number is, and are passed through unchecked.
 */

/** A size in Flink's MemorySize notation: a whole number with b, k/kb, m/mb, g/gb or t/tb. */
export type MemorySize = string;
/** A duration in Flink's notation: a whole number with ms, s, min, h or d (no unit means ms). */
export type Duration = string;
/** A port number, or for options that allow it a range such as "50100-50200". */
export type PortSpec = number | string;

/**
 * JobManager memory: set one of `process` (what the OS sees), `flink` (JVM heap + off-heap) or `heap`.
 * @see https://nightlies.apache.org/flink/flink-docs-stable/docs/deployment/memory/mem_setup_jobmanager/
 */
export interface JobManagerMemoryProps {
  /** `jobmanager.memory.process.size`. @default "1600m" when neither `flink` nor `heap` is set (flink-dist's default). */
  readonly process?: MemorySize;
  /** `jobmanager.memory.flink.size`. @default - derived */
  readonly flink?: MemorySize;
  /** `jobmanager.memory.heap.size`. @default - derived */
  readonly heap?: MemorySize;
  /** `jobmanager.memory.off-heap.size`. @default "128m" */
  readonly offHeap?: MemorySize;
  /** `jobmanager.memory.jvm-metaspace.size`. @default "256m" */
  readonly jvmMetaspace?: MemorySize;
  /** `jobmanager.memory.jvm-overhead.fraction`, in [0, 1). @default 0.1 */
  readonly jvmOverheadFraction?: number;
  /** `jobmanager.memory.jvm-overhead.min`. @default "192m" */
  readonly jvmOverheadMin?: MemorySize;
  /** `jobmanager.memory.jvm-overhead.max`. @default "1g" */
  readonly jvmOverheadMax?: MemorySize;
  /** `jobmanager.memory.enable-jvm-direct-memory-limit`: pass -XX:MaxDirectMemorySize. @default false */
  readonly directMemoryLimit?: boolean;
}

export interface JobManagerSettings {
  /** `jobmanager.rpc.address`: where TaskManagers and clients reach the JobManager. @default - set by the target */
  readonly rpcAddress?: string;
  /** `jobmanager.rpc.port`. @default 6123 */
  readonly rpcPort?: number;
  /** `rest.address`: the address clients use for the REST API and web UI. @default - falls back to rpcAddress */
  readonly restAddress?: string;
  /** `rest.bind-address`: the interface the REST server binds. @default - all interfaces chosen by Flink */
  readonly restBindAddress?: string;
  /** `rest.port`. @default 8081 */
  readonly restPort?: number;
  /** `blob.server.port`, a port or a range. @default 6124 (Flink's own default is random, which no firewall can allow) */
  readonly blobServerPort?: PortSpec;
  readonly memory?: JobManagerMemoryProps;
}

/**
 * TaskManager memory in one of Flink's three styles: `process`; `flink`; or fine-grained `taskHeap` + `managed`.
 * @see https://nightlies.apache.org/flink/flink-docs-stable/docs/deployment/memory/mem_setup_tm/
 */
export interface TaskManagerMemoryProps {
  /** `taskmanager.memory.process.size`. @default "1728m" when no other style is configured (flink-dist's default). */
  readonly process?: MemorySize;
  /** `taskmanager.memory.flink.size`. @default - derived */
  readonly flink?: MemorySize;
  /** `taskmanager.memory.task.heap.size`. @default - derived */
  readonly taskHeap?: MemorySize;
  /** `taskmanager.memory.managed.size`. @default - `managedFraction` of Total Flink Memory */
  readonly managed?: MemorySize;
  /** `taskmanager.memory.managed.fraction`, in [0, 1). @default 0.4 */
  readonly managedFraction?: number;
  /** `taskmanager.memory.framework.heap.size`. @default "128m" */
  readonly frameworkHeap?: MemorySize;
  /** `taskmanager.memory.framework.off-heap.size`. @default "128m" */
  readonly frameworkOffHeap?: MemorySize;
  /** `taskmanager.memory.task.off-heap.size`. @default "0" */
  readonly taskOffHeap?: MemorySize;
  /** `taskmanager.memory.network.fraction`, in [0, 1). @default 0.1 */
  readonly networkFraction?: number;
  /** `taskmanager.memory.network.min`. @default "64m" */
  readonly networkMin?: MemorySize;
  /** `taskmanager.memory.network.max`. @default - unlimited (not 1g, whatever tutorials say) */
  readonly networkMax?: MemorySize;
  /** `taskmanager.memory.jvm-metaspace.size`. @default "256m" */
  readonly jvmMetaspace?: MemorySize;
  /** `taskmanager.memory.jvm-overhead.fraction`, in [0, 1). @default 0.1 */
  readonly jvmOverheadFraction?: number;
  /** `taskmanager.memory.jvm-overhead.min`. @default "192m" */
  readonly jvmOverheadMin?: MemorySize;
  /** `taskmanager.memory.jvm-overhead.max`. @default "1g" */
  readonly jvmOverheadMax?: MemorySize;
}

export interface TaskManagerSettings {
  /** `taskmanager.numberOfTaskSlots`. @default 1 */
  readonly slots?: number;
  /** `taskmanager.rpc.port`, a port or a range. @default 6122 (Flink's own default is random) */
  readonly rpcPort?: PortSpec;
  /** `taskmanager.data.port`. @default 6121 (Flink's own default is random) */
  readonly dataPort?: number;
  /** `taskmanager.host`: the address the TaskManager advertises. @default - chosen by Flink */
  readonly host?: string;
  readonly memory?: TaskManagerMemoryProps;
}

export interface ResourceManagerSettings {
  /** `resourcemanager.taskmanager-timeout`: how long an idle TaskManager is kept. @default "30 s" */
  readonly taskManagerIdleTimeout?: Duration;
  /** `resourcemanager.taskmanager-registration.timeout`. @default "5 min" */
  readonly taskManagerRegistrationTimeout?: Duration;
  /** `slot.request.timeout` (tutorials wrongly call it resourcemanager.slot-request-timeout). @default "5 min" */
  readonly slotRequestTimeout?: Duration;
  /** `slot.idle.timeout`. @default "50 s" */
  readonly slotIdleTimeout?: Duration;
}

/** Buffer debloating: adapt in-flight data to a target time. */
export interface BufferDebloatSettings {
  /** `taskmanager.network.memory.buffer-debloat.enabled`. @default true when this block is given */
  readonly enabled?: boolean;
  /** `taskmanager.network.memory.buffer-debloat.target`. @default "1 s" */
  readonly target?: Duration;
  /** `taskmanager.network.memory.buffer-debloat.period`. @default "200 ms" */
  readonly period?: Duration;
  /** `taskmanager.network.memory.buffer-debloat.samples`. @default 20 */
  readonly samples?: number;
  /** `taskmanager.network.memory.buffer-debloat.threshold-percentages`. @default 25 */
  readonly thresholdPercentages?: number;
}

/**
 * The network stack settings documented for Flink 1.20 to 2.2. (The Netty server backlog and thread
 * options are undocumented internals in these versions and are not offered.)
 */
export interface NetworkSettings {
  /** `taskmanager.memory.segment-size`: the size of a network buffer. @default "32 kb" */
  readonly bufferSize?: MemorySize;
  /** `taskmanager.network.memory.read-buffer.required-per-gate.max`. @default - depends on the shuffle */
  readonly maxRequiredBuffersPerGate?: number;
  readonly bufferDebloat?: BufferDebloatSettings;
  /** `taskmanager.network.compression.codec`. @default "LZ4" */
  readonly compressionCodec?: "LZ4" | "LZO" | "ZSTD";
  /** `taskmanager.network.netty.client.connectTimeoutSec`, whole seconds. @default "120 s" */
  readonly nettyClientConnectTimeout?: Duration;
  /** `taskmanager.network.netty.client.tcp.keepIdleSec`, whole seconds. @default - the OS default */
  readonly nettyClientTcpKeepIdle?: Duration;
  /** `taskmanager.network.netty.client.tcp.keepIntervalSec`, whole seconds. @default - the OS default */
  readonly nettyClientTcpKeepInterval?: Duration;
  /** `taskmanager.network.netty.client.tcp.keepCount`. @default - the OS default */
  readonly nettyClientTcpKeepCount?: number;
  /** `taskmanager.network.partition-request-timeout`. @default "10 s" */
  readonly partitionRequestTimeout?: Duration;
  /** `taskmanager.network.request-backoff.initial`, whole milliseconds. @default "100 ms" */
  readonly requestBackoffInitial?: Duration;
  /** `taskmanager.network.request-backoff.max`, whole milliseconds. @default "10000 ms" */
  readonly requestBackoffMax?: Duration;
  /** `taskmanager.network.retries`: connection retries. @default 0 */
  readonly retries?: number;
  /** `taskmanager.network.sort-shuffle.min-buffers`. @default 512 */
  readonly sortShuffleMinBuffers?: number;
  /** `taskmanager.network.tcp-connection.enable-reuse-across-jobs`. @default true */
  readonly reuseTcpConnectionsAcrossJobs?: boolean;
  /** `taskmanager.network.detailed-metrics`. @default false */
  readonly detailedMetrics?: boolean;
}

export type CheckpointingMode = "EXACTLY_ONCE" | "AT_LEAST_ONCE";
export type ExternalizedCheckpointRetention = "RETAIN_ON_CANCELLATION" | "DELETE_ON_CANCELLATION" | "NO_EXTERNALIZED_CHECKPOINTS";

/** @see https://nightlies.apache.org/flink/flink-docs-stable/docs/dev/datastream/fault-tolerance/checkpointing/ */
/**
 * Where jobs start from: a savepoint or a retained checkpoint, written as Flink's
 * `execution.state-recovery.*` keys. In application mode the job restores from it; in a session, every
 * job submitted with the cluster's configuration does (the first one after an upgrade).
 */
export interface RestoreSettings {
  /** The snapshot's URI as Flink reported it, e.g. "s3://bucket/flink/orders/savepoints/savepoint-1a2b3c-0123456789ab". */
  readonly path: string;
  /**
   * CLAIM: the job takes the snapshot over and deletes it when it is subsumed; NO_CLAIM: the snapshot is
   * left alone and the first checkpoint is a full one. @default "NO_CLAIM"
   */
  readonly claimMode?: "CLAIM" | "NO_CLAIM";
  /** Skip state that belongs to no operator of the new program (a removed operator). @default false */
  readonly allowNonRestoredState?: boolean;
}

export interface CheckpointingSettings {
  /** `execution.checkpointing.interval`, at least 10 ms. */
  readonly interval: Duration;
  /** `execution.checkpointing.mode`. @default "EXACTLY_ONCE" */
  readonly mode?: CheckpointingMode;
  /** `execution.checkpointing.timeout`, at least 10 ms. @default "10 min" */
  readonly timeout?: Duration;
  /** `execution.checkpointing.max-concurrent-checkpoints`, at least 1. @default 1 */
  readonly maxConcurrent?: number;
  /** `execution.checkpointing.min-pause`. @default "0 ms" */
  readonly minPause?: Duration;
  /** `execution.checkpointing.tolerable-failed-checkpoints`. @default 0 */
  readonly tolerableFailedCheckpoints?: number;
  /** `execution.checkpointing.externalized-checkpoint-retention`. @default "NO_EXTERNALIZED_CHECKPOINTS" */
  readonly externalizedRetention?: ExternalizedCheckpointRetention;
  /** `execution.checkpointing.num-retained`, at least 1. @default 1 */
  readonly retained?: number;
  /** `execution.checkpointing.incremental` (RocksDB). @default false */
  readonly incremental?: boolean;
  /** `execution.checkpointing.unaligned.enabled`. @default false */
  readonly unaligned?: boolean;
  /** `execution.checkpointing.dir`: a URI such as s3://bucket/prefix or hdfs:///flink/checkpoints. @default - kept in JobManager memory only (a warning) */
  readonly directory?: string;
  /** `execution.checkpointing.savepoint-dir`. @default - none: every savepoint needs an explicit target */
  readonly savepointDirectory?: string;
}

export type RocksDbPredefinedOptions = "DEFAULT" | "SPINNING_DISK_OPTIMIZED" | "SPINNING_DISK_OPTIMIZED_HIGH_MEM" | "FLASH_SSD_OPTIMIZED";

/** @see https://nightlies.apache.org/flink/flink-docs-stable/docs/deployment/config/#rocksdb-state-backend */
export interface RocksDbOptions {
  /** `state.backend.rocksdb.localdir`: local working directory. @default - the TaskManager's temp directories */
  readonly localDir?: string;
  /** `state.backend.rocksdb.predefined-options`. @default "DEFAULT" */
  readonly predefinedOptions?: RocksDbPredefinedOptions;
  /** `state.backend.rocksdb.writebuffer.size`. @default "64 mb" */
  readonly writeBufferSize?: MemorySize;
  /** `state.backend.rocksdb.writebuffer.count`, at least 1. @default 2 */
  readonly writeBufferCount?: number;
  /** `state.backend.rocksdb.block.blocksize`. @default "4 kb" */
  readonly blockSize?: MemorySize;
  /** `state.backend.rocksdb.block.cache-size` (only used when managedMemory is false). @default "8 mb" */
  readonly blockCacheSize?: MemorySize;
  /** `state.backend.rocksdb.use-bloom-filter`, and `bloom-filter.bits-per-key` when a number. @default false */
  readonly bloomFilter?: boolean | { readonly bitsPerKey?: number; readonly blockBased?: boolean };
  /** `state.backend.rocksdb.memory.managed`: size RocksDB from managed memory. @default true */
  readonly managedMemory?: boolean;
  /** `state.backend.rocksdb.thread.num`: background flush and compaction threads. @default 2 */
  readonly threads?: number;
}

/** The state backend: `StateBackend.hashmap()` or `StateBackend.rocksdb({...})`. */
export class StateBackend {
  /** Keeps state on the JVM heap (Flink's default). */
  public static hashmap(): StateBackend {
    return new StateBackend("hashmap", {});
  }

  /** Keeps state in embedded RocksDB on local disk, for state larger than memory. */
  public static rocksdb(options: RocksDbOptions = {}): StateBackend {
    return new StateBackend("rocksdb", options);
  }

  private constructor(
    public readonly type: "hashmap" | "rocksdb",
    public readonly rocksdb: RocksDbOptions,
  ) {}
}

export interface FixedDelayRestartOptions {
  /** `restart-strategy.fixed-delay.attempts`, at least 0. @default 1 */
  readonly attempts?: number;
  /** `restart-strategy.fixed-delay.delay`. @default "1 s" */
  readonly delay?: Duration;
}

export interface FailureRateRestartOptions {
  /** `restart-strategy.failure-rate.max-failures-per-interval`, at least 1. @default 1 */
  readonly maxFailuresPerInterval?: number;
  /** `restart-strategy.failure-rate.failure-rate-interval`. @default "1 min" */
  readonly interval?: Duration;
  /** `restart-strategy.failure-rate.delay`. @default "1 s" */
  readonly delay?: Duration;
}

export interface ExponentialDelayRestartOptions {
  /** `restart-strategy.exponential-delay.initial-backoff`. @default "1 s" */
  readonly initialBackoff?: Duration;
  /** `restart-strategy.exponential-delay.max-backoff`, not below initialBackoff. @default "1 min" */
  readonly maxBackoff?: Duration;
  /** `restart-strategy.exponential-delay.backoff-multiplier`, at least 1. @default 1.5 */
  readonly backoffMultiplier?: number;
  /** `restart-strategy.exponential-delay.reset-backoff-threshold`. @default "1 h" */
  readonly resetBackoffThreshold?: Duration;
  /** `restart-strategy.exponential-delay.jitter-factor`, in [0, 1]. @default 0.1 */
  readonly jitterFactor?: number;
  /** `restart-strategy.exponential-delay.attempts-before-reset-backoff`, at least 1. @default - unlimited */
  readonly attemptsBeforeResetBackoff?: number;
}

/** What Flink does when a job fails. */
export class RestartStrategy {
  /** Never restart: a failure fails the job. */
  public static none(): RestartStrategy {
    return new RestartStrategy("none", {});
  }

  public static fixedDelay(options: FixedDelayRestartOptions = {}): RestartStrategy {
    return new RestartStrategy("fixed-delay", options);
  }

  public static failureRate(options: FailureRateRestartOptions = {}): RestartStrategy {
    return new RestartStrategy("failure-rate", options);
  }

  public static exponentialDelay(options: ExponentialDelayRestartOptions = {}): RestartStrategy {
    return new RestartStrategy("exponential-delay", options);
  }

  private constructor(
    public readonly type: "none" | "fixed-delay" | "failure-rate" | "exponential-delay",
    public readonly options: FixedDelayRestartOptions & FailureRateRestartOptions & ExponentialDelayRestartOptions,
  ) {}
}

export interface PrometheusReporterOptions {
  /** The reporter's name in `metrics.reporters`. @default "prom" */
  readonly name?: string;
  /** `metrics.reporter.<name>.port`, a port or a range such as "9250-9260". @default 9249 */
  readonly port?: PortSpec;
}

/** A metrics reporter. */
export class MetricReporter {
  /** Flink's Prometheus pull reporter (PrometheusReporterFactory), scraped at each process on `port`. */
  public static prometheus(options: PrometheusReporterOptions = {}): MetricReporter {
    return new MetricReporter(options.name ?? "prom", "org.apache.flink.metrics.prometheus.PrometheusReporterFactory", {
      port: options.port ?? 9249,
    });
  }

  private constructor(
    public readonly name: string,
    public readonly factoryClass: string,
    public readonly parameters: Readonly<Record<string, PortSpec>>,
  ) {}
}

export type LogLevel = "TRACE" | "DEBUG" | "INFO" | "WARN" | "ERROR" | "FATAL" | "OFF" | "ALL";

export interface RollingFileSettings {
  /** Roll the file when it reaches this size (log4j notation: "100MB", "512KB", "1GB"). @default "100MB" */
  readonly fileSize?: string;
  /** How many rolled files to keep. @default 10 */
  readonly maxFiles?: number;
}

/**
 * How every appender writes a log event. "pattern": a line of text in `pattern`, a stack trace on the
 * lines after it. "json": one JSON object per line (timestamp in UTC, level, logger, thread, message,
 * jobId when Flink sets it, exception with its whole stack trace), for log pipelines that index fields
 * (CloudWatch Logs Insights, Fluent Bit's Merge_Log, OpenSearch).
 */
export type LogFormat = "pattern" | "json";

/** log4j2 settings rendered into `log4j-console.properties`. */
export interface LoggingSettings {
  /** The root logger level. @default "INFO" */
  readonly rootLevel?: LogLevel;
  /** Levels of individual loggers, by logger name. @default - Flink's own quieter defaults for noisy libraries */
  readonly loggers?: Readonly<Record<string, LogLevel>>;
  /**
   * The layout of every appender (console and rolling file). "json" is rendered with log4j's
   * PatternLayout and JSON escaping, because Flink's lib/ carries neither JsonTemplateLayout nor the
   * Jackson that JsonLayout needs; it cannot be combined with `pattern`.
   * @default "pattern"
   */
  readonly format?: LogFormat;
  /** The PatternLayout of every appender, with format "pattern". @default "%d{yyyy-MM-dd HH:mm:ss,SSS} %-5p %-60c %x - %m%n" */
  readonly pattern?: string;
  /** Log to the console (container logs, journald under systemd). @default true */
  readonly console?: boolean;
  /** Also log to Flink's log file (`${sys:log.file}`), rolled by size. @default - no file */
  readonly rollingFile?: RollingFileSettings;
}

export const Logging = {
  /**
   * The seed tutorial's production logging: INFO to the console and to a rolling file of 100MB,
   * keeping 10 files.
   */
  seedRollingFile(overrides: LoggingSettings = {}): LoggingSettings {
    return { ...overrides, rollingFile: { fileSize: "100MB", maxFiles: 10, ...overrides.rollingFile } };
  },
};

/**
 * How the JobManager schedules a job. "default": Flink's default scheduler, a job runs at its parallelism
 * or waits for slots. "adaptive": the adaptive scheduler (`jobmanager.scheduler: adaptive`), which runs a
 * streaming job with the slots there are and rescales it, up to its parallelism, as TaskManagers come and
 * go. "reactive": reactive mode (`scheduler-mode: reactive`), the adaptive scheduler with every job's
 * parallelism set to its max parallelism, so the job always uses every slot of the cluster: for
 * standalone application clusters only (Kubernetes `KubernetesMode.application`).
 */
export type Scheduler = "default" | "adaptive" | "reactive";

/**
 * The adaptive scheduler's timeouts (`jobmanager.adaptive-scheduler.*`), written under the keys of the
 * cluster's Flink version: 2.0 renamed several, and some exist in one line only (noted per property;
 * giving one to a version without it is an error).
 */
export interface AdaptiveSchedulerSettings {
  /**
   * How long a job waits at submission or restart for the slots it needs before it fails: 1.20
   * `resource-wait-timeout`, 2.x `submission.resource-wait-timeout`. @default "5 min"; in reactive mode, forever
   */
  readonly resourceWaitTimeout?: Duration;
  /**
   * How long a job waits at submission or restart for more slots once it has enough to run: 1.20
   * `resource-stabilization-timeout`, 2.x `submission.resource-stabilization-timeout`. @default "10 s"; in reactive mode, 0
   */
  readonly resourceStabilizationTimeout?: Duration;
  /**
   * The least time between two rescales of a running job: 1.20 `scaling-interval.min`, 2.x
   * `executing.cooldown-after-rescaling`. @default "30 s"
   */
  readonly cooldownAfterRescaling?: Duration;
  /** `prefer-minimal-taskmanagers`: pack a job's slots on as few TaskManagers as possible. @default true */
  readonly preferMinimalTaskManagers?: boolean;
  /**
   * Flink 2.x only, `executing.resource-stabilization-timeout`: how long a running job waits after
   * slots come or go, while it has enough but fewer than it wants, before it rescales. @default "1 min"
   */
  readonly rescaleStabilizationTimeout?: Duration;
  /**
   * Flink 2.x only, `rescale-trigger.max-delay`: how long a due rescale may wait for a checkpoint to
   * complete (2.x rescales after a checkpoint). @default - 0 without checkpointing, else the checkpoint interval x (rescaleTriggerMaxCheckpointFailures + 1)
   */
  readonly rescaleTriggerMaxDelay?: Duration;
  /** Flink 2.x only, `rescale-trigger.max-checkpoint-failures`: failed checkpoints in a row after which a due rescale goes ahead. @default 2 */
  readonly rescaleTriggerMaxCheckpointFailures?: number;
  /** Flink 1.20 only, `min-parallelism-increase`: the least increase of parallelism worth a rescale. @default 1 */
  readonly minParallelismIncrease?: number;
  /** Flink 1.20 only, `scaling-interval.max`: rescale after this long even below minParallelismIncrease. @default - never */
  readonly scalingIntervalMax?: Duration;
}

/** A raw Flink configuration value, as it would be written in config.yaml. */
export type RawConfigValue = string | number | boolean | readonly string[] | Readonly<Record<string, string>>;

/** Everything that decides one cluster's Flink configuration. */
export interface FlinkSettings {
  readonly jobManager?: JobManagerSettings;
  readonly taskManager?: TaskManagerSettings;
  readonly resourceManager?: ResourceManagerSettings;
  readonly network?: NetworkSettings;
  /** `parallelism.default`. @default 1 */
  readonly parallelism?: number;
  /**
   * `pipeline.max-parallelism`, 1 to 32768: the most parallel instances (key groups) of every operator
   * that sets none itself, and the most a job can be rescaled to. It is fixed in a job's keyed state:
   * changing it later loses the state. @default - Flink derives it from each operator's parallelism: 1.5 x parallelism rounded up to a power of two, at least 128 (in reactive mode too: Flink 2.3 showed 128, not the 32768 its docs name)
   */
  readonly maxParallelism?: number;
  /** The scheduler: "default", "adaptive" or "reactive" (`jobmanager.scheduler`, `scheduler-mode`). @default "default" */
  readonly scheduler?: Scheduler;
  /** The adaptive scheduler's timeouts, with scheduler "adaptive" or "reactive". @default - Flink's */
  readonly adaptiveScheduler?: AdaptiveSchedulerSettings;
  /**
   * `metrics.internal.query-service.port`: where the JobManager fetches each process's metrics for the
   * web UI and REST API, a port or a range. @default 6125 (Flink's own default is random)
   */
  readonly metricQueryServicePort?: PortSpec;
  /**
   * Write the `--add-opens`/`--add-exports` options that flink-dist's config.yaml ships for Java 17
   * (`env.java.default-opts.all`). Turn off only for Java 8 (Flink 1.20), which refuses them.
   * @default true
   */
  readonly javaModuleOptions?: boolean;
  /** Periodic checkpoints. @default - off */
  readonly checkpointing?: CheckpointingSettings;
  /** Start jobs from a savepoint or retained checkpoint (`execution.state-recovery.*`). @default - empty state */
  readonly restore?: RestoreSettings;
  /** @default StateBackend.hashmap() */
  readonly stateBackend?: StateBackend;
  /** @default - Flink's: exponential delay when checkpointing is on, none otherwise */
  readonly restartStrategy?: RestartStrategy;
  /** @default - none */
  readonly metricReporters?: readonly MetricReporter[];
  /** @default - INFO to the console */
  readonly logging?: LoggingSettings;
  /**
   * Any other Flink key, checked against the version's catalog: an unknown key is an error, a
   * deprecated key is rendered under its replacement with a warning, and a key a typed setting
   * already sets is an error.
   */
  readonly rawConfig?: Readonly<Record<string, RawConfigValue>>;
}
