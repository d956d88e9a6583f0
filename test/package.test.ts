import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

/**
 * Packs the package as npm would publish it and installs the tarball into a throwaway project: proves
 * the build, the `files` list (catalogs included) and the entry point, and measures load and synth
 * costs as a user of the published package pays them.
 */
const root = path.resolve(__dirname, "..");
const work = fs.mkdtempSync(path.join(os.tmpdir(), "cdktf-flink-package-"));
const consumer = path.join(work, "consumer");
const run = (cmd: string, args: string[], cwd: string) =>
  execFileSync(cmd, args, { cwd, encoding: "utf8", stdio: "pipe", env: { ...process.env, CHECKPOINT_DISABLE: "1" } });
let listing = "";

beforeAll(() => {
  const tarball = run("npm", ["pack", "--silent", "--pack-destination", work], root).trim().split("\n").pop()!;
  listing = run("tar", ["-tzf", path.join(work, tarball)], work);
  fs.mkdirSync(consumer);
  fs.writeFileSync(path.join(consumer, "package.json"), JSON.stringify({ name: "consumer", private: true }));
  run("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline", path.join(work, tarball), "cdktf@0.21.0", "constructs@^10.4.0"], consumer);
});

afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

test("the tarball holds the build, its types and the catalogs, and no sources", () => {
  expect(listing).toContain("package/dist/index.js");
  expect(listing).toContain("package/dist/index.d.ts");
  expect(listing).toContain("package/catalog/flink-2.2.json");
  expect(listing).not.toMatch(/package\/(lib|test|examples)\//);
});

test("the installed package synthesizes a cluster in a fresh project", () => {
  fs.writeFileSync(
    path.join(consumer, "main.js"),
    `const { App, TerraformStack } = require("cdktf");
const { FlinkCluster, FlinkVersion, StateBackend } = require("cdktf-flink");
const app = new App({ outdir: "out" });
const stack = new TerraformStack(app, "consumer");
new FlinkCluster(stack, "orders", { version: FlinkVersion.V1_20, taskManager: { slots: 2, memory: { process: "2g" } }, stateBackend: StateBackend.rocksdb() });
app.synth();
`,
  );
  run("node", ["main.js"], consumer);
  const flinkDir = path.join(consumer, "out", "stacks", "consumer", "flink");
  const manifest = JSON.parse(fs.readFileSync(path.join(flinkDir, "manifest.json"), "utf8"));
  expect(manifest.clusters[0]).toMatchObject({ name: "orders", flinkVersion: "1.20", target: "none" });
  const config = fs.readFileSync(path.join(flinkDir, "orders", "config.yaml"), "utf8");
  expect(config).toContain("taskmanager.memory.process.size: 2 gb\n");
  expect(config).toContain("state.backend.type: rocksdb\n");
});

test("loading costs well under a quarter of the AWS provider root, and synth grows linearly (npm run bench)", () => {
  const report = run("node", [path.join(root, "scripts", "bench.js"), "--from", consumer, "--check"], consumer);
  console.log(report);
  expect(report).toContain("bench checks passed");
});
