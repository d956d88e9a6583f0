import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { catalogFor, readCatalogFile } from "../lib/config/catalog";
import { CATALOGED_VERSIONS } from "../lib/config/version";

const REPO_ROOT = path.resolve(__dirname, "..");
const GENERATOR = path.join(REPO_ROOT, "scripts", "generate-catalog.js");
// Resolved exactly as the generator resolves it.
const REFERENCE_DIR = process.env.FLINK_REFERENCE_DIR
  ? path.resolve(process.env.FLINK_REFERENCE_DIR)
  : path.resolve(REPO_ROOT, "../shared/reference/flink");
const referenceExists = fs.existsSync(REFERENCE_DIR);
const withReference = referenceExists ? test : test.skip;
if (!referenceExists) {
  console.warn(`Skipping catalog tests against the reference TSVs: ${REFERENCE_DIR} does not exist.`);
}

/**
 * From the reference TSVs: data rows, keys without a "." that the generator drops (all but reactive
 * mode's scheduler-mode, a cluster key), deprecated entries kept.
 */
const EXPECTED = {
  "1.20": { rows: 780, dropped: 5, deprecated: 175 },
  "2.0": { rows: 883, dropped: 5, deprecated: 157 },
  "2.1": { rows: 915, dropped: 9, deprecated: 157 },
  "2.2": { rows: 958, dropped: 30, deprecated: 158 },
  "2.3": { rows: 995, dropped: 42, deprecated: 161 },
} as const;

describe.each(CATALOGED_VERSIONS)("catalog %s", (version) => {
  const catalog = catalogFor(version);
  const expected = EXPECTED[version];

  test("holds every documented key with a dot, scheduler-mode, and the kept deprecated keys", () => {
    const file = readCatalogFile(version);
    expect(file.version).toBe(version);
    expect(file.source.commit).toMatch(/^[0-9a-f]{40}$/);
    expect(Object.keys(file.options)).toHaveLength(expected.rows - expected.dropped);
    expect(Object.keys(file.deprecated)).toHaveLength(expected.deprecated);
  });

  withReference("expected counts match the reference TSVs", () => {
    const keys = fs
      .readFileSync(path.join(REFERENCE_DIR, `config-options-${version}.tsv`), "utf8")
      .split("\n")
      .slice(1)
      .filter((line) => line !== "")
      .map((line) => line.split("\t")[0]);
    expect(keys).toHaveLength(expected.rows);
    expect(keys.filter((key) => !key.includes(".") && key !== "scheduler-mode")).toHaveLength(expected.dropped);
    expect(catalog.isDocumented("scheduler-mode")).toBe(true);
  });

  test("checkpoint directory: current key documented, old key deprecated", () => {
    expect(catalog.isDocumented("execution.checkpointing.dir")).toBe(true);
    expect(catalog.isDocumented("state.checkpoints.dir")).toBe(false);
    expect(catalog.replacementsOf("state.checkpoints.dir")).toEqual(["execution.checkpointing.dir"]);
  });

  test("old restart-strategy and network fraction keys point to their replacements", () => {
    expect(catalog.replacementsOf("restart-strategy")).toEqual(["restart-strategy.type"]);
    expect(catalog.replacementsOf("taskmanager.network.memory.fraction")).toEqual(["taskmanager.memory.network.fraction"]);
  });

  test("table keys are documented without the execution modes the docs print beside them", () => {
    expect(catalog.keys().filter((key) => /\s/.test(key))).toEqual([]);
    expect(catalog.isDocumented("table.exec.async-lookup.timeout")).toBe(true);
  });

  test("unprefixed connector/gateway keys are not cluster keys", () => {
    expect(catalog.isDocumented("address")).toBe(false);
    expect(catalog.isDocumented("bind-port")).toBe(false);
  });

  test("keys() is sorted and has no placeholder patterns", () => {
    const keys = catalog.keys();
    expect([...keys].sort()).toEqual(keys);
    expect(keys.some((key) => key.includes("<"))).toBe(false);
    expect(keys).toContain("taskmanager.numberOfTaskSlots");
  });
});

describe("deprecated keys that changed between versions", () => {
  test("state.backend.rocksdb.checkpointdir is deprecated in 1.20 only", () => {
    expect(catalogFor("1.20").replacementsOf("state.backend.rocksdb.checkpointdir")).toEqual(["state.backend.rocksdb.localdir"]);
    for (const version of ["2.0", "2.1", "2.2", "2.3"] as const) {
      const catalog = catalogFor(version);
      expect(catalog.isDocumented("state.backend.rocksdb.checkpointdir")).toBe(false);
      expect(catalog.replacementsOf("state.backend.rocksdb.checkpointdir")).toEqual([]);
    }
  });

  test("jobmanager.heap.size is unknown in 2.2", () => {
    const catalog = catalogFor("2.2");
    expect(catalog.isDocumented("jobmanager.heap.size")).toBe(false);
    expect(catalog.replacementsOf("jobmanager.heap.size")).toEqual([]);
  });

  test("an old key that feeds several current keys keeps them all, sorted", () => {
    expect(catalogFor("2.2").replacementsOf("web.port")).toEqual(["rest.bind-port", "rest.port"]);
  });
});

describe("option()", () => {
  const catalog = catalogFor("2.2");

  test("gives type, default and enum values as documented", () => {
    expect(catalog.option("taskmanager.memory.network.max")).toEqual({
      key: "taskmanager.memory.network.max",
      type: "MemorySize",
      default: "infinite",
    });
    expect(catalog.option("state.backend.type")?.default).toBe('"hashmap"');
    expect(catalog.option("execution.checkpointing.externalized-checkpoint-retention")?.enum).toEqual([
      "DELETE_ON_CANCELLATION",
      "RETAIN_ON_CANCELLATION",
      "NO_EXTERNALIZED_CHECKPOINTS",
    ]);
  });

  test("matches a concrete key through the most specific placeholder pattern", () => {
    expect(catalog.option("metrics.reporter.prom.factory.class")?.key).toBe("metrics.reporter.<name>.factory.class");
    expect(catalog.option("metrics.reporter.prom.filter.includes")?.key).toBe("metrics.reporter.<name>.filter.includes");
    expect(catalog.option("metrics.reporter.<name>.factory.class")?.key).toBe("metrics.reporter.<name>.factory.class");
  });

  test("a trailing placeholder spans several segments, an inner one exactly one", () => {
    expect(catalog.option("metrics.reporter.prom.port")?.key).toBe("metrics.reporter.<name>.<parameter>");
    expect(catalog.option("flink.hadoop.dfs.replication")?.key).toBe("flink.hadoop.<key>");
    expect(catalog.isDocumented("security.delegation.token.provider.hadoopfs.enabled")).toBe(true);
    expect(catalog.isDocumented("security.delegation.token.provider.a.b.enabled")).toBe(false);
    expect(catalog.isDocumented("metrics.reporter.prom")).toBe(false);
  });

  test("does not see Object.prototype members", () => {
    expect(catalog.option("constructor")).toBeUndefined();
    expect(catalog.replacementsOf("toString")).toEqual([]);
  });
});

describe("closest()", () => {
  const catalog = catalogFor("2.2");

  test("finds the key a typo or an old unit suffix was meant to be", () => {
    expect(catalog.closest("taskmanager.network.netty.client.connectTimeoutMs")).toContain(
      "taskmanager.network.netty.client.connectTimeoutSec",
    );
    expect(catalog.closest("taskmanager.numberOfTaskSlot")[0]).toBe("taskmanager.numberOfTaskSlots");
    expect(catalog.closest("TaskManager.NumberOfTaskSlots")[0]).toBe("taskmanager.numberOfTaskSlots");
  });

  test("surfaces keys with the same tail or a long common prefix", () => {
    expect(catalog.closest("block-cache-size")).toContain("state.backend.rocksdb.block.cache-size");
    expect(catalog.closest("jobmanager.heap.size")[0]).toBe("jobmanager.memory.heap.size");
  });

  test("returns count keys, deterministically", () => {
    expect(catalog.closest("state.checkpoint.dir", 5)).toHaveLength(5);
    expect(catalog.closest("x.y")).toEqual(catalog.closest("x.y"));
  });
});

describe("catalogFor()", () => {
  test("reads each version once", () => {
    expect(catalogFor("2.1")).toBe(catalogFor("2.1"));
    expect(catalogFor("2.1").version).toBe("2.1");
  });

  test("rejects a version without a catalog", () => {
    expect(() => catalogFor("3.0" as never)).toThrow(/No catalog for Flink 3.0/);
  });
});

describe("generate-catalog.js --check", () => {
  withReference("passes on the committed catalog files", () => {
    const output = execFileSync(process.execPath, [GENERATOR, "--check"], {
      env: { ...process.env, FLINK_REFERENCE_DIR: REFERENCE_DIR },
      encoding: "utf8",
    });
    expect(output).toMatch(/up to date/);
  });

  withReference("fails and names the file when a catalog file differs", () => {
    // A copy of the generator beside its own catalog/ folder, so the real files are never touched.
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "flink-catalog-"));
    try {
      fs.mkdirSync(path.join(root, "scripts"));
      fs.copyFileSync(GENERATOR, path.join(root, "scripts", "generate-catalog.js"));
      fs.cpSync(path.join(REPO_ROOT, "catalog"), path.join(root, "catalog"), { recursive: true });
      fs.appendFileSync(path.join(root, "catalog", "flink-2.0.json"), " ");
      const result = spawnSync(process.execPath, [path.join(root, "scripts", "generate-catalog.js"), "--check"], {
        env: { ...process.env, FLINK_REFERENCE_DIR: REFERENCE_DIR },
        encoding: "utf8",
      });
      expect(result.status).toBe(1);
      expect(result.stderr).toContain("catalog/flink-2.0.json");
      expect(result.stderr).not.toContain("flink-2.1.json");
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});
