#!/usr/bin/env node
// Runs the tests in two jest processes side by side: the files that start real processes (Flink,
// ZooKeeper, Prometheus) one after another, so that no two real clusters share the two cores and their
// timings hold; everything else beside them. Each prints its own summary; the exit code fails if either does.
const { spawn } = require("child_process");
const path = require("path");

// The bench too: it compares load times, which clusters beside it distort.
const REAL = ["flink-session-cluster", "flink-ha-failover", "flink-monitoring-real", "flink-tls-real", "flink-savepoint-real", "flink-reactive-real", "flink-production-real", "structured-logging", "zookeeper-ensemble", "bench"];
const pattern = `test/(${REAL.join("|")})\\.test\\.ts$`;
const jest = path.join(__dirname, "..", "node_modules", "jest", "bin", "jest.js");
const extra = process.argv.slice(2);

function run(args, buffered) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [jest, ...args, ...extra], { stdio: buffered ? ["ignore", "pipe", "pipe"] : "inherit" });
    let output = "";
    if (buffered) {
      child.stdout.on("data", (d) => (output += d));
      child.stderr.on("data", (d) => (output += d));
    }
    child.on("exit", (code) => resolve({ code: code ?? 1, output }));
  });
}

(async () => {
  const others = run(["--testPathIgnorePatterns", pattern, "--maxWorkers", "1"], true);
  const real = await run(["--testPathPatterns", pattern, "--runInBand"], false);
  const rest = await others;
  process.stdout.write(`\n---- the other test files (run beside the real-process ones) ----\n${rest.output}`);
  process.exit(real.code || rest.code);
})();
