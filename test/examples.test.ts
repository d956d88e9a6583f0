import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { App } from "cdktf";
import { parse } from "yaml";
import { configOnlyExample } from "../examples/config-only/main";
import { catalogFor } from "../lib/config/catalog";
import { CatalogedVersion } from "../lib/config/version";

/** Synthesizes the config-only example once and reads its files. */
const outdir = fs.mkdtempSync(path.join(os.tmpdir(), "flink-examples-"));
const app = new App({ outdir });
configOnlyExample(app);
app.synth();
const flinkDir = path.join(outdir, "stacks", "config-only", "flink");
const read = (file: string) => fs.readFileSync(path.join(flinkDir, file), "utf8");
const manifest: { clusters: Array<{ name: string; flinkVersion: CatalogedVersion; files: Record<string, string> }> } = JSON.parse(read("manifest.json"));
const cluster = (name: string) => manifest.clusters.find((c) => c.name === name)!;
const configOf = (name: string) => parse(read(cluster(name).files["config.yaml"]));
const memoryOf = (name: string) => JSON.parse(read(cluster(name).files["memory.json"]));

test("the example renders six clusters", () => {
  expect(manifest.clusters.map((c) => c.name)).toEqual(["memory-fine-grained", "memory-flink", "memory-process", "seed-production-1-20", "seed-production-2-2", "seed-production-2-3"]);
});

test.each(["memory-fine-grained", "memory-flink", "memory-process", "seed-production-1-20", "seed-production-2-2", "seed-production-2-3"])(
  "%s: every key is a documented, current key of its Flink version",
  (name) => {
    const catalog = catalogFor(cluster(name).flinkVersion);
    const keys = Object.keys(configOf(name));
    expect(keys.filter((k) => !catalog.isDocumented(k))).toEqual([]);
    expect(keys.filter((k) => catalog.replacementsOf(k).length > 0)).toEqual([]);
  },
);

describe.each([
  ["seed-production-1-20", "1.20"],
  ["seed-production-2-2", "2.2"],
  ["seed-production-2-3", "2.3"],
])("the seed's production setup: %s (Flink %s)", (name, version) => {
  test("carries the tutorial's settings under the keys Flink reads", () => {
    expect(cluster(name).flinkVersion).toBe(version);
    expect(configOf(name)).toMatchObject({
      "taskmanager.numberOfTaskSlots": 16,
      "taskmanager.memory.process.size": "8 gb",
      "jobmanager.memory.heap.size": "4 gb",
      "state.backend.type": "rocksdb",
      "state.backend.rocksdb.writebuffer.size": "64 mb",
      "state.backend.rocksdb.writebuffer.count": 3,
      "state.backend.rocksdb.block.cache-size": "256 mb",
      "state.backend.rocksdb.use-bloom-filter": true,
      "execution.checkpointing.interval": "30 s",
      "execution.checkpointing.mode": "EXACTLY_ONCE",
      "execution.checkpointing.num-retained": 5,
      "restart-strategy.type": "exponential-delay",
      "restart-strategy.exponential-delay.initial-backoff": "10 s",
      "restart-strategy.exponential-delay.max-backoff": "5 min",
      "metrics.reporters": "prom",
      "metrics.reporter.prom.factory.class": "org.apache.flink.metrics.prometheus.PrometheusReporterFactory",
      "metrics.reporter.prom.port": 9249,
    });
  });

  test("none of the tutorial's invalid or deprecated keys survive", () => {
    const keys = Object.keys(configOf(name));
    for (const bad of ["jobmanager.heap.size", "jobmanager.off-heap.memory", "state.backend", "state.checkpoints.dir", "state.savepoints.dir", "state.checkpoints.num-retained", "restart-strategy", "web.port", "metrics.reporter.prom.class", "metrics.reporter.prom.host", "state.backend.rocksdb.checkpointdir"]) {
      expect(keys).not.toContain(bad);
    }
    expect(keys.filter((k) => k.startsWith("state.backend.rocksdb.options.") || k.startsWith("taskmanager.network.buffers"))).toEqual([]);
  });

  test("memory.json is Flink's derivation, byte for byte", () => {
    // TaskManager: memory-model.md section 6, the 8192m column (network 2gb max does not bind).
    expect(memoryOf(name).taskManager).toEqual({
      totalProcess: 8589934592,
      totalFlink: 7462505664,
      frameworkHeap: 134217728,
      taskHeap: 3462817321,
      frameworkOffHeap: 134217728,
      taskOffHeap: 0,
      managed: 2985002310,
      network: 746250577,
      jvmMetaspace: 268435456,
      jvmOverhead: 858993472,
    });
    // JobManager heap 4096m + off-heap 512m = Flink 4608m; overhead = trunc((4608m + 512m meta) x 0.11111111295076065)
    // = trunc(5368709120 x 0.11111111295076065) = 596523245, inside [192m, 1g].
    expect(memoryOf(name).jobManager).toEqual({
      totalProcess: 4831838208 + 536870912 + 596523245,
      totalFlink: 4831838208,
      jvmHeap: 4294967296,
      offHeap: 536870912,
      jvmMetaspace: 536870912,
      jvmOverhead: 596523245,
    });
  });

  test("the whole config.yaml", () => {
    expect(read(cluster(name).files["config.yaml"])).toMatchSnapshot();
  });
});

test("the three TaskManager memory styles give the same 4 GiB-class TaskManager", () => {
  const process = memoryOf("memory-process").taskManager;
  const flink = memoryOf("memory-flink").taskManager;
  const fineGrained = memoryOf("memory-fine-grained").taskManager;
  expect(configOf("memory-process")["taskmanager.memory.process.size"]).toBe("4 gb");
  expect(configOf("memory-flink")["taskmanager.memory.flink.size"]).toBe("3430 mb");
  expect(configOf("memory-fine-grained")).toMatchObject({ "taskmanager.memory.task.heap.size": "1536 mb", "taskmanager.memory.managed.size": "1280 mb" });
  // memory-model.md section 6, 4096m column
  expect(process.totalFlink).toBe(3597035104);
  expect(process.taskHeap).toBe(1530082070);
  // flink 3430m: overhead = trunc((3430m + 256m) x 0.11111111295076065) = trunc(3865051136 x 0.111...) = 429450133
  expect(flink.totalFlink).toBe(3430 * 2 ** 20);
  expect(flink.jvmOverhead).toBe(429450133);
  // fine-grained: Flink = 128m + 128m + 1536m + 0 + 1280m + network 256m (min = max) = 3328m
  expect(fineGrained).toMatchObject({ taskHeap: 1536 * 2 ** 20, managed: 1280 * 2 ** 20, network: 256 * 2 ** 20, totalFlink: 3328 * 2 ** 20 });
});

test("every example synthesizes byte-identical output in two separate processes", () => {
  const root = path.resolve(__dirname, "..");
  const synthIn = () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), "flink-determinism-"));
    execFileSync(process.execPath, [require.resolve("ts-node/dist/bin"), "--transpile-only", "examples/app.ts"], {
      cwd: root,
      env: { ...process.env, CDKTF_OUTDIR: out, CHECKPOINT_DISABLE: "1" },
      stdio: "pipe",
    });
    const files: Record<string, string> = {};
    for (const entry of fs.readdirSync(out, { recursive: true }) as string[]) {
      const full = path.join(out, entry);
      // manifest.json records the output folder itself; everything else must not differ.
      if (fs.statSync(full).isFile() && entry !== "manifest.json") files[entry] = fs.readFileSync(full, "utf8").split(out).join("<outdir>");
    }
    return files;
  };
  const first = synthIn();
  expect(Object.keys(first).length).toBeGreaterThan(20);
  expect(synthIn()).toEqual(first);
});
