import * as fs from "fs";
import * as path from "path";
import { catalogFor } from "../lib/config/catalog";
import { BuildResult, buildConfiguration } from "../lib/config/options";
import { formatProblem } from "../lib/config/problems";
import { FlinkSettings, MetricReporter, RestartStrategy, StateBackend } from "../lib/config/settings";
import { CATALOGED_VERSIONS, FlinkVersion } from "../lib/config/version";
import { SETTINGS_FIXTURES } from "./fixtures/settings";

const V = FlinkVersion.V2_2;
const TOKEN = "${TfToken[TOKEN.42]}";
const isToken = (v: unknown) => typeof v === "string" && v.includes("${TfToken[");

function build(settings: FlinkSettings, version = V): BuildResult {
  return buildConfiguration(settings, version, isToken);
}

function entries(settings: FlinkSettings, version = V): Record<string, unknown> {
  const result = build(settings, version);
  expect(result.errors.map(formatProblem)).toEqual([]);
  return Object.fromEntries(result.configuration!.entries);
}

/** The error messages for `settings`, one string each. */
function errors(settings: FlinkSettings, version = V): string[] {
  return build(settings, version).errors.map(formatProblem);
}

/** A cluster that sets every typed setting, to prove the mapping only writes current keys. */
const EVERYTHING: FlinkSettings = {
  jobManager: {
    rpcAddress: "jm.internal",
    rpcPort: 6123,
    restAddress: "flink.internal",
    restBindAddress: "0.0.0.0",
    restPort: 8081,
    blobServerPort: "6124-6130",
    memory: { process: "4g", offHeap: "256m", jvmMetaspace: "256m", jvmOverheadFraction: 0.1, jvmOverheadMin: "192m", jvmOverheadMax: "1g", directMemoryLimit: true },
  },
  taskManager: {
    slots: 8,
    rpcPort: 6122,
    dataPort: 6121,
    host: "tm.internal",
    memory: {
      process: "8g",
      managedFraction: 0.3,
      frameworkHeap: "128m",
      frameworkOffHeap: "128m",
      taskOffHeap: "64m",
      networkFraction: 0.15,
      networkMin: "128m",
      networkMax: "2g",
      jvmMetaspace: "384m",
      jvmOverheadFraction: 0.1,
      jvmOverheadMin: "256m",
      jvmOverheadMax: "1g",
    },
  },
  resourceManager: { taskManagerIdleTimeout: "60 s", taskManagerRegistrationTimeout: "5 min", slotRequestTimeout: "10 min", slotIdleTimeout: "50 s" },
  network: {
    bufferSize: "32kb",
    maxRequiredBuffersPerGate: 1000,
    bufferDebloat: { enabled: true, target: "1 s", period: "200 ms", samples: 20, thresholdPercentages: 25 },
    compressionCodec: "ZSTD",
    nettyClientConnectTimeout: "2 min",
    nettyClientTcpKeepIdle: "60 s",
    nettyClientTcpKeepInterval: "10 s",
    nettyClientTcpKeepCount: 5,
    partitionRequestTimeout: "20 s",
    requestBackoffInitial: "100 ms",
    requestBackoffMax: "10 s",
    retries: 3,
    sortShuffleMinBuffers: 1024,
    reuseTcpConnectionsAcrossJobs: true,
    detailedMetrics: false,
  },
  parallelism: 8,
  checkpointing: {
    interval: "30 s",
    mode: "EXACTLY_ONCE",
    timeout: "10 min",
    maxConcurrent: 1,
    minPause: "5 s",
    tolerableFailedCheckpoints: 3,
    externalizedRetention: "RETAIN_ON_CANCELLATION",
    retained: 5,
    incremental: true,
    unaligned: true,
    directory: "s3://bucket/checkpoints",
    savepointDirectory: "s3://bucket/savepoints",
  },
  stateBackend: StateBackend.rocksdb({
    localDir: "/data/rocksdb",
    predefinedOptions: "FLASH_SSD_OPTIMIZED",
    writeBufferSize: "64mb",
    writeBufferCount: 3,
    blockSize: "16kb",
    blockCacheSize: "256mb",
    bloomFilter: { bitsPerKey: 10, blockBased: true },
    managedMemory: false,
    threads: 4,
  }),
  restartStrategy: RestartStrategy.exponentialDelay({
    initialBackoff: "10 s",
    maxBackoff: "5 min",
    backoffMultiplier: 2,
    resetBackoffThreshold: "10 min",
    jitterFactor: 0.1,
    attemptsBeforeResetBackoff: 10,
  }),
  metricReporters: [MetricReporter.prometheus()],
};

const OTHER_RESTARTS = [RestartStrategy.none(), RestartStrategy.fixedDelay({ attempts: 5, delay: "10 s" }), RestartStrategy.failureRate({ maxFailuresPerInterval: 3, interval: "5 min", delay: "10 s" })];

describe.each(CATALOGED_VERSIONS)("Flink %s", (line) => {
  const version = FlinkVersion.of(line);
  const catalog = catalogFor(line);

  test("every key a full configuration writes is documented and current", () => {
    const variants: FlinkSettings[] = [EVERYTHING, ...OTHER_RESTARTS.map((restartStrategy) => ({ ...EVERYTHING, restartStrategy, stateBackend: StateBackend.hashmap() }))];
    for (const settings of variants) {
      const keys = Object.keys(entries(settings, version));
      expect(keys.length).toBeGreaterThan(20);
      expect(keys.filter((k) => !catalog.isDocumented(k))).toEqual([]);
      expect(keys.filter((k) => catalog.replacementsOf(k).length > 0)).toEqual([]);
    }
  });

  test("a deprecated raw key is written as its replacement, with a warning", () => {
    const result = build({ rawConfig: { "state.checkpoints.dir": "s3://b/cp" } }, version);
    expect(result.errors).toEqual([]);
    expect(result.configuration!.entries.get("execution.checkpointing.dir")).toBe("s3://b/cp");
    expect(result.configuration!.entries.has("state.checkpoints.dir")).toBe(false);
    expect(result.warnings).toContainEqual(expect.objectContaining({ id: "flink:deprecated-key", message: expect.stringContaining("execution.checkpointing.dir") }));
  });
});

describe("typed settings become Flink keys", () => {
  test("defaults: fixed ports a firewall can allow, flink-dist's memory sizes and its Java 17 options", () => {
    expect(entries({})).toEqual({
      "env.java.default-opts.all": expect.stringMatching(/^--add-exports=java\.base\/sun\.net\.util=ALL-UNNAMED .* --add-opens=java\.base\/java\.util\.concurrent\.locks=ALL-UNNAMED$/),
      "metrics.internal.query-service.port": 6125,
      "jobmanager.rpc.port": 6123,
      "rest.port": 8081,
      "blob.server.port": 6124,
      "jobmanager.memory.process.size": "1600 mb",
      "taskmanager.numberOfTaskSlots": 1,
      "taskmanager.rpc.port": 6122,
      "taskmanager.data.port": 6121,
      "taskmanager.memory.process.size": "1728 mb",
    });
  });

  test("the Java 17 options can be left out for Java 8", () => {
    expect(entries({ javaModuleOptions: false })["env.java.default-opts.all"]).toBeUndefined();
  });

  test("sizes and durations are written in Flink's canonical notation", () => {
    const e = entries({
      taskManager: { memory: { process: "4096m", networkMax: "1 GB" } },
      checkpointing: { interval: "30000", timeout: "600 s", minPause: "5000ms", directory: "s3://b/c" },
    });
    expect(e["taskmanager.memory.process.size"]).toBe("4 gb");
    expect(e["taskmanager.memory.network.max"]).toBe("1 gb");
    expect(e["execution.checkpointing.interval"]).toBe("30 s");
    expect(e["execution.checkpointing.timeout"]).toBe("10 min");
    expect(e["execution.checkpointing.min-pause"]).toBe("5 s");
  });

  test("Netty and backoff durations are written in the integer units Flink reads", () => {
    const e = entries({ network: { nettyClientConnectTimeout: "2 min", nettyClientTcpKeepIdle: "45 s", requestBackoffMax: "10 s" } });
    expect(e["taskmanager.network.netty.client.connectTimeoutSec"]).toBe(120);
    expect(e["taskmanager.network.netty.client.tcp.keepIdleSec"]).toBe(45);
    expect(e["taskmanager.network.request-backoff.max"]).toBe(10000);
  });

  test("the Prometheus reporter is enabled by factory class and listens on its port", () => {
    const result = build({ metricReporters: [MetricReporter.prometheus({ port: 9249 })] });
    const e = Object.fromEntries(result.configuration!.entries);
    expect(e["metrics.reporters"]).toBe("prom");
    expect(e["metrics.reporter.prom.factory.class"]).toBe("org.apache.flink.metrics.prometheus.PrometheusReporterFactory");
    expect(e["metrics.reporter.prom.port"]).toBe(9249);
    expect(result.configuration!.ports.metrics).toEqual([9249]);
  });

  test("each restart strategy writes its own parameters only", () => {
    expect(entries({ restartStrategy: RestartStrategy.fixedDelay({ attempts: 5, delay: "10s" }) })).toMatchObject({
      "restart-strategy.type": "fixed-delay",
      "restart-strategy.fixed-delay.attempts": 5,
      "restart-strategy.fixed-delay.delay": "10 s",
    });
    const none = entries({ restartStrategy: RestartStrategy.none() });
    expect(none["restart-strategy.type"]).toBe("none");
    expect(Object.keys(none).filter((k) => k.startsWith("restart-strategy.") && k !== "restart-strategy.type")).toEqual([]);
  });

  test("cdktf tokens pass unchecked and untouched", () => {
    const result = build({ jobManager: { rpcAddress: TOKEN, rpcPort: TOKEN as unknown as number }, checkpointing: { interval: TOKEN, directory: TOKEN } });
    expect(result.errors).toEqual([]);
    const e = Object.fromEntries(result.configuration!.entries);
    expect(e["jobmanager.rpc.address"]).toBe(TOKEN);
    expect(e["jobmanager.rpc.port"]).toBe(TOKEN);
    expect(e["execution.checkpointing.interval"]).toBe(TOKEN);
  });

  test("tokens in fixed-value and number settings are written, not dropped", () => {
    const e = entries({
      checkpointing: { interval: "1 min", directory: "s3://b/c", mode: TOKEN as "EXACTLY_ONCE" },
      stateBackend: StateBackend.rocksdb({ bloomFilter: { bitsPerKey: TOKEN as unknown as number } }),
    });
    expect(e["execution.checkpointing.mode"]).toBe(TOKEN);
    expect(e["state.backend.rocksdb.bloom-filter.bits-per-key"]).toBe(TOKEN);
  });

  test("a token memory size skips the derivation with a warning instead of failing", () => {
    const result = build({ taskManager: { memory: { process: TOKEN } } });
    expect(result.errors).toEqual([]);
    expect(result.configuration!.taskManagerMemory).toBeUndefined();
    expect(result.configuration!.jobManagerMemory).toBeDefined();
    expect(result.warnings.map((w) => w.id)).toContain("flink:memory-unchecked");
  });

  test("risky but legal choices are warnings", () => {
    const ids = (s: FlinkSettings) => build(s).warnings.map((w) => w.id);
    expect(ids({ checkpointing: { interval: "1 min" } })).toContain("flink:no-checkpoint-directory");
    expect(ids({ checkpointing: { interval: "1 min", directory: "s3://b/c", incremental: true }, stateBackend: StateBackend.hashmap() })).toContain("flink:incremental-hashmap");
    expect(ids({ stateBackend: StateBackend.rocksdb({ blockCacheSize: "256m" }) })).toContain("flink:rocksdb-block-cache-ignored");
    expect(ids({ stateBackend: StateBackend.rocksdb({ blockCacheSize: "256m", managedMemory: false }) })).not.toContain("flink:rocksdb-block-cache-ignored");
  });
});

describe("versions", () => {
  test("another release is written as its major line's newest catalog, with a warning", () => {
    const result = build({ rawConfig: { "some.future.key": "x" } }, FlinkVersion.of("2.4"));
    expect(result.errors).toEqual([]);
    expect(result.configuration!.entries.get("some.future.key")).toBe("x");
    expect(result.warnings).toContainEqual(expect.objectContaining({ id: "flink:unchecked-version" }));
  });

  test("a patch release is checked like its line", () => {
    expect(FlinkVersion.of("2.2.1").catalog).toBe("2.2");
    expect(build({}, FlinkVersion.of("1.20.4")).warnings).toEqual([]);
  });

  test.each(["2.x", "latest", "1.19", "0.9", ""])("version %j is an error", (v) => {
    expect(errors({}, FlinkVersion.of(v))).toEqual([expect.stringMatching(/^version must be a Flink version from 1\.20 on.*\(got .*\)\. Fix: use FlinkVersion\.V1_20/)]);
  });
});

describe("bad input is refused with the property, value, rule and fix", () => {
  test.each<[string, FlinkSettings, RegExp]>([
    ["slots < 1", { taskManager: { slots: 0 } }, /^taskManager\.slots must be a whole number >= 1 \(got 0\)\. Fix: /],
    ["fractional slots", { taskManager: { slots: 1.5 } }, /^taskManager\.slots must be a whole number >= 1 \(got 1\.5\)/],
    ["zero size", { taskManager: { memory: { process: "0m" } } }, /^taskManager\.memory\.process must be greater than 0 \(got "0m"\)/],
    ["negative size", { jobManager: { memory: { process: "-1g" } } }, /^jobManager\.memory\.process is not a valid memory size \(got "-1g"\)\. Fix: use a whole number/],
    ["malformed size", { stateBackend: StateBackend.rocksdb({ writeBufferSize: "64 megs" }) }, /^stateBackend\.rocksdb\.writeBufferSize is not a valid memory size \(got "64 megs"\)/],
    ["fraction of 1", { taskManager: { memory: { process: "4g", managedFraction: 1 } } }, /^taskManager\.memory\.managedFraction must be a fraction in \[0, 1\) \(got 1\)/],
    ["negative fraction", { taskManager: { memory: { process: "4g", networkFraction: -0.1 } } }, /^taskManager\.memory\.networkFraction must be a fraction in \[0, 1\) \(got -0\.1\)/],
    ["retained < 1", { checkpointing: { interval: "1 min", directory: "s3://b/c", retained: 0 } }, /^checkpointing\.retained must be a whole number >= 1 \(got 0\)/],
    ["interval below 10 ms", { checkpointing: { interval: "5 ms", directory: "s3://b/c" } }, /^checkpointing\.interval must be at least 10 ms \(got "5 ms"\)/],
    ["timeout below 10 ms", { checkpointing: { interval: "1 min", timeout: "9", directory: "s3://b/c" } }, /^checkpointing\.timeout must be at least 10 ms \(got "9"\)/],
    ["max concurrent < 1", { checkpointing: { interval: "1 min", maxConcurrent: 0, directory: "s3://b/c" } }, /^checkpointing\.maxConcurrent must be a whole number >= 1 \(got 0\)/],
    ["malformed duration", { checkpointing: { interval: "30 seconds please", directory: "s3://b/c" } }, /^checkpointing\.interval is not a valid duration \(got "30 seconds please"\)\. Fix: use a whole number/],
    ["relative checkpoint directory", { checkpointing: { interval: "1 min", directory: "checkpoints" } }, /^checkpointing\.directory must be a URI with a scheme/],
    ["unaligned at-least-once", { checkpointing: { interval: "1 min", directory: "s3://b/c", mode: "AT_LEAST_ONCE", unaligned: true } }, /^checkpointing\.unaligned requires checkpointing\.mode EXACTLY_ONCE/],
    ["port out of range", { jobManager: { restPort: 70000 } }, /^jobManager\.restPort must be a port from 1 to 65535 \(got 70000\)/],
    ["port range where Flink takes one port", { taskManager: { dataPort: "6121-6130" as unknown as number } }, /^taskManager\.dataPort must be a port from 1 to 65535 \(got "6121-6130"\)/],
    ["colliding ports", { jobManager: { restPort: 6123 } }, /^jobManager\.restPort collides with jobManager\.rpcPort/],
    ["backoff multiplier below 1", { restartStrategy: RestartStrategy.exponentialDelay({ backoffMultiplier: 0.5 }) }, /^restartStrategy\.backoffMultiplier must be a number >= 1 \(got 0\.5\)/],
    ["jitter above 1", { restartStrategy: RestartStrategy.exponentialDelay({ jitterFactor: 2 }) }, /^restartStrategy\.jitterFactor must be a number between 0 and 1 \(got 2\)/],
    ["max backoff below initial", { restartStrategy: RestartStrategy.exponentialDelay({ initialBackoff: "1 min", maxBackoff: "10 s" }) }, /^restartStrategy\.maxBackoff must not be below initialBackoff/],
    ["negative attempts", { restartStrategy: RestartStrategy.fixedDelay({ attempts: -1 }) }, /^restartStrategy\.attempts must be a whole number >= 0 \(got -1\)/],
    ["Netty timeout below a second", { network: { nettyClientConnectTimeout: "1500 ms" } }, /^network\.nettyClientConnectTimeout must be a whole number of seconds/],
    ["parallelism < 1", { parallelism: 0 }, /^parallelism must be a whole number >= 1 \(got 0\)/],
  ])("%s", (_name, settings, message) => {
    expect(errors(settings)).toContainEqual(expect.stringMatching(message));
  });

  test("every problem is reported at once", () => {
    expect(errors({ taskManager: { slots: 0 }, parallelism: 0, checkpointing: { interval: "1 ms" } })).toHaveLength(3);
  });
});

describe("raw keys", () => {
  test("a map is written as Flink's key:value string, sorted (a YAML map would be flattened into other keys)", () => {
    const config = build({ rawConfig: { "pipeline.global-job-parameters": { team: "analytics", environment: "production" } } }).configuration!;
    expect(config.entries.get("pipeline.global-job-parameters")).toBe("environment:production,team:analytics");
  });

  test("a map whose keys or values hold Flink's separators is refused, as are nested and empty maps", () => {
    expect(errors({ rawConfig: { "pipeline.global-job-parameters": { url: "http://x" } } })).toEqual([expect.stringMatching(/must not hold ',', ':' or quotes/)]);
    expect(errors({ rawConfig: { "pipeline.global-job-parameters": { a: { b: "c" } } as never } })).toEqual([expect.stringMatching(/must be a non-empty map of strings/)]);
    expect(errors({ rawConfig: { "pipeline.global-job-parameters": {} } })).toEqual([expect.stringMatching(/must be a non-empty map of strings/)]);
  });

  test("an unknown key names the closest known keys", () => {
    expect(errors({ rawConfig: { "taskmanager.numberOfTaskSlot": 4 } })).toEqual([
      expect.stringMatching(/^rawConfig\["taskmanager\.numberOfTaskSlot"\] is not a key of Flink 2\.2 \(got 4\)\. Fix: did you mean taskmanager\.numberOfTaskSlots/),
    ]);
  });

  test.each([
    ["metrics.reporter.prom.class", /factory\.class/],
    ["metrics.reporter.prom.host", /no host option/],
    ["jobmanager.heap.size", /jobManager\.memory\.heap/],
    ["jobmanager.off-heap.memory", /jobManager\.memory\.offHeap/],
    ["taskmanager.network.buffers.per-channel", /never existed/],
    ["taskmanager.network.netty.client.connectTimeoutMs", /connectTimeoutSec/],
    ["resourcemanager.slot-request-timeout", /slot\.request\.timeout/],
    ["state.backend.rocksdb.options.write-buffer-size", /StateBackend\.rocksdb/],
  ])("the tutorial key %s is refused with the right replacement", (key, fix) => {
    expect(errors({ rawConfig: { [key]: "x" } }, FlinkVersion.V1_20)).toEqual([expect.stringMatching(fix)]);
  });

  test("state.backend.rocksdb.checkpointdir is deprecated in 1.20 and unknown in 2.0", () => {
    const old = build({ rawConfig: { "state.backend.rocksdb.checkpointdir": "/data/rocksdb" } }, FlinkVersion.V1_20);
    expect(old.configuration!.entries.get("state.backend.rocksdb.localdir")).toBe("/data/rocksdb");
    expect(errors({ rawConfig: { "state.backend.rocksdb.checkpointdir": "/data/rocksdb" } }, FlinkVersion.V2_0)).toEqual([
      expect.stringMatching(/is not a key of Flink 2\.0/),
    ]);
  });

  test("a raw key that a typed setting also sets is an error naming the setting", () => {
    expect(errors({ taskManager: { slots: 4 }, rawConfig: { "taskmanager.numberOfTaskSlots": 8 } })).toEqual([
      expect.stringMatching(/^rawConfig\["taskmanager\.numberOfTaskSlots"\] sets taskmanager\.numberOfTaskSlots, which taskManager\.slots already sets/),
    ]);
    // through its deprecated name, too
    expect(errors({ checkpointing: { interval: "1 min", directory: "s3://a/b" }, rawConfig: { "state.checkpoints.dir": "s3://c/d" } })).toEqual([
      expect.stringMatching(/which checkpointing\.directory already sets/),
    ]);
  });

  test.each<[string, unknown, RegExp]>([
    ["web.submit.enable", "yes", /must be true or false/],
    ["execution.checkpointing.mode", "SOMETIMES", /must be one of EXACTLY_ONCE, AT_LEAST_ONCE/],
    ["taskmanager.memory.segment-size", "big", /must be a memory size/],
    ["taskmanager.memory.segment-size", "-5", /must be a memory size/],
    ["web.timeout", "forever", /must be a duration/],
    ["web.history", 2.5, /must be a whole number/],
  ])("a raw value Flink cannot read as the key's type is an error: %s = %j", (key, value, rule) => {
    expect(errors({ rawConfig: { [key]: value as string } })).toEqual([expect.stringMatching(rule)]);
  });

  test("a deprecated key that feeds several current keys must be replaced by the one meant", () => {
    expect(errors({ rawConfig: { "web.port": 8081 } })).toEqual([expect.stringMatching(/^rawConfig\["web\.port"\] is deprecated in Flink 2\.2 .*Fix: set the one you mean: rest\.bind-port or rest\.port\./)]);
  });

  test("raw sizes and durations are written in canonical notation", () => {
    const e = entries({ rawConfig: { "state.backend.rocksdb.compaction.level.max-size-level-base": "256mb", "web.timeout": "600000" } });
    expect(e["state.backend.rocksdb.compaction.level.max-size-level-base"]).toBe("256 mb");
    expect(e["web.timeout"]).toBe("10 min");
  });

  test("raw keys are written after the typed keys, sorted", () => {
    const keys = Object.keys(entries({ rawConfig: { "web.upload.dir": "/tmp/u", "web.history": 10, "execution.buffer-timeout.interval": "100 ms" } }));
    expect(keys.slice(-3)).toEqual(["execution.buffer-timeout.interval", "web.history", "web.upload.dir"]);
  });
});

describe("settings fixtures", () => {
  test("together write every key the typed settings write (test/real-flink.test.ts hands them to Flink)", () => {
    const source = fs.readFileSync(path.join(__dirname, "..", "lib", "config", "options.ts"), "utf8");
    const typedKeys = [...new Set([...source.matchAll(/w\.\w+\(\s*"([a-z][\w.-]+)"/g)].map((m) => m[1]))];
    expect(typedKeys.length).toBeGreaterThan(80);
    const written = new Set<string>();
    for (const settings of Object.values(SETTINGS_FIXTURES)) {
      for (const [key, property] of build(settings, FlinkVersion.V2_3).configuration!.sources) if (!property.startsWith("rawConfig")) written.add(key);
    }
    // Written only with FlinkHA bound: the ec2-ha example (rendered for 1.20 and 2.3) hands it to Flink.
    const withFeatureOnly = ["high-availability.jobmanager.port"];
    expect(typedKeys.filter((key) => !written.has(key) && !withFeatureOnly.includes(key))).toEqual([]);
  });
});

describe("restore", () => {
  const build = (restore: Parameters<typeof buildConfiguration>[0]["restore"]) => buildConfiguration({ restore }, FlinkVersion.V2_3);
  test("is written as execution.state-recovery.*, with Flink's own file:/ form accepted", () => {
    const result = build({ path: "file:/tmp/savepoints/savepoint-1a2b3c-0123456789ab", claimMode: "CLAIM", allowNonRestoredState: true });
    expect(result.errors).toEqual([]);
    expect(Object.fromEntries([...result.configuration!.entries].filter(([k]) => k.startsWith("execution.state-recovery.")))).toEqual({
      "execution.state-recovery.path": "file:/tmp/savepoints/savepoint-1a2b3c-0123456789ab",
      "execution.state-recovery.claim-mode": "CLAIM",
      "execution.state-recovery.ignore-unclaimed-state": true,
    });
  });

  test("a path that is not a URI, an S3 URI with one slash, or another claim mode is an error", () => {
    for (const path of ["savepoint-1", "s3:/bucket/savepoints/savepoint-1"]) {
      expect(build({ path }).errors.map((e) => e.property)).toEqual(["restore.path"]);
    }
    expect(build({ path: "s3://b/sp", claimMode: "LEGACY" as "CLAIM" }).errors.map((e) => e.property)).toEqual(["restore.claimMode"]);
  });
});
