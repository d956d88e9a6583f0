import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

/**
 * The load-time and synth-growth checks (npm run bench) on a fresh build of the library. They run in
 * the serial group of scripts/test.js, where no cluster shares the cores: the checks compare timings.
 * The build goes to its own folder, beside a copy of package.json and links to node_modules and
 * catalog/, so that the package test packing the repository at the same time cannot disturb it.
 */
const root = path.resolve(__dirname, "..");

test("loading costs well under a quarter of the AWS provider root, and synth grows linearly (npm run bench)", () => {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "cdktf-flink-bench-build-"));
  try {
    fs.copyFileSync(path.join(root, "package.json"), path.join(work, "package.json"));
    for (const linked of ["node_modules", "catalog"]) fs.symlinkSync(path.join(root, linked), path.join(work, linked));
    const tsc = path.join(root, "node_modules", "typescript", "bin", "tsc");
    execFileSync(process.execPath, [tsc, "-p", path.join(root, "tsconfig.build.json"), "--outDir", path.join(work, "dist")], { cwd: root, stdio: "pipe" });
    const report = execFileSync(process.execPath, [path.join(root, "scripts", "bench.js"), "--check"], { cwd: work, encoding: "utf8", env: { ...process.env, CHECKPOINT_DISABLE: "1", CDKTF_FLINK_BENCH_ROOT: work } });
    console.log(report);
    expect(report).toContain("bench checks passed");
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}, 300_000);
