#!/usr/bin/env node
/**
 * Measures what the library costs its users: the time and memory to load it (beside loading
 * @cdktf/provider-aws by its package root, the cost deep imports avoid), and synth time and peak
 * memory for 1, 10 and 100 clusters in one stack. Each measurement runs in a fresh Node process; times
 * are the fastest of three runs, since other work on the machine (tests beside it in CI) only adds time.
 *
 *   node scripts/bench.js [--from DIR] [--check]
 *
 * --from DIR  resolve cdktf-flink, cdktf and the providers from DIR (default: this repo's build in dist/)
 * --check     exit 1 unless loading the library costs under a quarter of the provider root, in time and
 *             in memory, and synth from 10 to 100 clusters grows no worse than linearly
 */
"use strict";
const { execFileSync } = require("child_process");
const fs = require("fs");
const os = require("os");
const path = require("path");

const args = process.argv.slice(2);
const check = args.includes("--check");
const fromIndex = args.indexOf("--from");
// CDKTF_FLINK_BENCH_ROOT: a folder with its own build in dist/ (test/bench.test.ts builds one there).
const from = path.resolve(fromIndex >= 0 ? args[fromIndex + 1] : process.env.CDKTF_FLINK_BENCH_ROOT || path.join(__dirname, ".."));
const library = fromIndex >= 0 ? "cdktf-flink" : path.join(from, "dist", "index.js");

/** Runs `body` in a fresh process; it sets `result` (an object), which is returned with the peak RSS. */
function measure(body) {
  const script = `
    const { createRequire } = require("module");
    const load = createRequire(${JSON.stringify(path.join(from, "package.json"))});
    const rssBefore = process.memoryUsage().rss;
    let result;
    ${body}
    result.peakRssMb = process.resourceUsage().maxRSS / 1024;
    result.rssBeforeMb = rssBefore / 1048576;
    process.stdout.write(JSON.stringify(result));`;
  const out = execFileSync(process.execPath, ["-e", script], { cwd: from, encoding: "utf8", env: { ...process.env, CHECKPOINT_DISABLE: "1" } });
  return JSON.parse(out);
}

/** The fastest of `runs` measurements: other work on the machine (CI runs tests beside this) only ever adds time. */
function fastest(runs, take) {
  const results = Array.from({ length: runs }, take);
  return results.reduce((best, r) => (r.ms < best.ms ? r : best));
}

function loadCost(moduleName) {
  return measure(`
    const start = process.hrtime.bigint();
    load(${JSON.stringify(moduleName)});
    result = { ms: Number(process.hrtime.bigint() - start) / 1e6, rssMb: (process.memoryUsage().rss - rssBefore) / 1048576 };`);
}

function synthCost(clusters) {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), "cdktf-flink-bench-"));
  const result = measure(`
    const { App, TerraformStack } = load("cdktf");
    const { FlinkCluster, FlinkVersion, StateBackend, RestartStrategy, MetricReporter } = load(${JSON.stringify(library)});
    const start = process.hrtime.bigint();
    const app = new App({ outdir: ${JSON.stringify(outdir)} });
    const stack = new TerraformStack(app, "bench");
    for (let i = 0; i < ${clusters}; i++) {
      new FlinkCluster(stack, "cluster-" + i, {
        version: i % 2 ? FlinkVersion.V2_2 : FlinkVersion.V1_20,
        taskManager: { slots: 8, memory: { process: "8g" } },
        jobManager: { memory: { process: "2g" } },
        checkpointing: { interval: "30 s", retained: 3, directory: "s3://bench/checkpoints/" + i },
        stateBackend: StateBackend.rocksdb({ writeBufferCount: 3 }),
        restartStrategy: RestartStrategy.exponentialDelay({ maxBackoff: "5 min" }),
        metricReporters: [MetricReporter.prometheus()],
        rawConfig: { "web.upload.dir": "/tmp/upload" },
      });
    }
    app.synth();
    result = { ms: Number(process.hrtime.bigint() - start) / 1e6 };`);
  fs.rmSync(outdir, { recursive: true, force: true });
  return result;
}

const fmt = (n) => n.toFixed(1).padStart(8);
const rows = [];
const flink = fastest(3, () => loadCost(library));
const aws = fastest(3, () => loadCost("@cdktf/provider-aws"));
rows.push(["load cdktf-flink", flink.ms, flink.rssMb, flink.peakRssMb]);
rows.push(["load @cdktf/provider-aws (root)", aws.ms, aws.rssMb, aws.peakRssMb]);
const synth = {};
for (const n of [1, 10, 100]) {
  synth[n] = fastest(3, () => synthCost(n));
  rows.push([`synth ${n} cluster(s)`, synth[n].ms, undefined, synth[n].peakRssMb]);
}

console.log(`${"measurement".padEnd(34)}${"ms".padStart(8)}${"+RSS MB".padStart(9)}${"peak RSS MB".padStart(13)}`);
for (const [name, ms, rss, peak] of rows) {
  console.log(`${name.padEnd(34)}${fmt(ms)}${rss === undefined ? "        -" : fmt(rss) + " "}${fmt(peak)}     `);
}

const problems = [];
if (flink.ms >= aws.ms / 4) problems.push(`loading the library took ${flink.ms.toFixed(0)} ms, not under a quarter of the provider root's ${aws.ms.toFixed(0)} ms`);
if (flink.rssMb >= aws.rssMb / 4) problems.push(`loading the library added ${flink.rssMb.toFixed(0)} MB, not under a quarter of the provider root's ${aws.rssMb.toFixed(0)} MB`);
// Per-cluster synth time at 100 may not exceed that at 10 by more than timing noise allows.
const perCluster10 = synth[10].ms / 10;
const perCluster100 = synth[100].ms / 100;
if (perCluster100 > perCluster10 * 1.5) problems.push(`synth per cluster grew from ${perCluster10.toFixed(1)} ms (10) to ${perCluster100.toFixed(1)} ms (100): worse than linear`);
console.log(`load ratio (library / provider root): time ${(flink.ms / aws.ms).toFixed(3)}, memory ${(flink.rssMb / aws.rssMb).toFixed(3)}`);
console.log(`synth per cluster: ${perCluster10.toFixed(1)} ms at 10, ${perCluster100.toFixed(1)} ms at 100`);
if (problems.length > 0) {
  console.log(problems.map((p) => `FAIL: ${p}`).join("\n"));
  if (check) process.exit(1);
} else if (check) {
  console.log("bench checks passed");
}
