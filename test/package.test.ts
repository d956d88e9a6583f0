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
let blueprintFiles: string[] = [];

beforeAll(() => {
  const tarball = run("npm", ["pack", "--silent", "--pack-destination", work], root).trim().split("\n").pop()!;
  listing = run("tar", ["-tzf", path.join(work, tarball)], work);
  fs.mkdirSync(consumer);
  fs.writeFileSync(path.join(consumer, "package.json"), JSON.stringify({ name: "consumer", private: true }));
  run("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline", path.join(work, tarball), "cdktf@0.21.0", "constructs@^10.4.0"], consumer);
  // Before the README's snippets compile: one of them is an app team's stack on the blueprint.
  blueprintFiles = installBlueprint();
});

afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

test("the tarball holds the build, its types, the catalogs, the command line and the license, and no sources", () => {
  expect(listing).toContain("package/dist/index.js");
  expect(listing).toContain("package/dist/index.d.ts");
  expect(listing).toContain("package/catalog/flink-2.2.json");
  expect(listing).toContain("package/bin/cdktf-flink.js");
  expect(listing).toContain("package/scripts/plan-offline.js");
  expect(listing).toContain("package/LICENSE");
  expect(fs.readFileSync(path.join(root, "LICENSE"), "utf8")).toMatch(/Apache License\s+Version 2\.0/);
  expect(JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8")).license).toBe("Apache-2.0");
  expect(listing).not.toMatch(/package\/(lib|test|examples)\//);
});

/** The README's TypeScript snippets, in order. */
const readmeSnippets = () => [...fs.readFileSync(path.join(root, "README.md"), "utf8").matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]);

test("every TypeScript snippet of the README compiles against the packed package", () => {
  const exported = Object.keys(require(path.join(consumer, "node_modules", "cdktf-flink")));
  const snippets = readmeSnippets();
  expect(snippets.length).toBeGreaterThanOrEqual(7);
  const dir = path.join(consumer, "snippets");
  fs.mkdirSync(dir, { recursive: true });
  // Fragments use a stack and the values an earlier snippet or the reader has: declared, not invented.
  const given: Record<string, string> = { stack: "TerraformStack", network: "FlinkVpc", storage: "FlinkStateStorage", amiId: "string", zones: "string[]", image: "string", securityGroupId: "string" };
  snippets.forEach((code, i) => {
    const complete = /^import /m.test(code);
    const used = exported.filter((name) => new RegExp(`\\b${name}\\b`).test(code));
    const declared = (name: string) => new RegExp(`\\b(const|let)\\s+${name}\\b`).test(code);
    const prelude = complete
      ? ""
      : [
          `import { TerraformStack } from "cdktf";`,
          `import { ${[...new Set([...used, "FlinkVpc", "FlinkStateStorage"])].join(", ")} } from "cdktf-flink";`,
          ...Object.entries(given).filter(([name]) => !declared(name)).map(([name, type]) => `declare const ${name}: ${type};`),
        ].join("\n");
    fs.writeFileSync(path.join(dir, `snippet-${i}.ts`), `${prelude}\n${code}\nexport {};\n`);
  });
  fs.writeFileSync(
    path.join(dir, "tsconfig.json"),
    JSON.stringify({ compilerOptions: { target: "ES2022", module: "commonjs", strict: true, esModuleInterop: true, skipLibCheck: true, noEmit: true, types: [] }, include: ["*.ts"] }),
  );
  const tsc = path.join(root, "node_modules", "typescript", "bin", "tsc");
  let output = "";
  try {
    output = run(process.execPath, [tsc, "-p", dir], dir);
  } catch (error: any) {
    output = `${error.stdout ?? ""}${error.stderr ?? ""}`;
  }
  expect(output.trim()).toBe("");
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

test("every TypeScript snippet of the README runs against the packed package without an error", () => {
  const dir = path.join(consumer, "snippets-run");
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, "tsconfig.json"), JSON.stringify({ compilerOptions: { target: "ES2022", module: "commonjs", strict: true, esModuleInterop: true, skipLibCheck: true } }));
  const exported = Object.keys(require(path.join(consumer, "node_modules", "cdktf-flink")));
  // The values an earlier snippet or the reader has, as a reader would give them; "<from ...sha512>" is the reader's checksum.
  const given: Record<string, string> = {
    stack: 'new TerraformStack(new App({ outdir: "out" }), "snippet")',
    network: 'new FlinkVpc(stack, "network", { availabilityZones: ["eu-west-1a", "eu-west-1b", "eu-west-1c"] })',
    storage: 'new FlinkStateStorage(stack, "state", {})',
    amiId: '"ami-0123456789abcdef0"',
    zones: '["eu-west-1a", "eu-west-1b", "eu-west-1c"]',
    image: '"flink:2.3.0-java17@sha256:' + "0".repeat(64) + '"',
    securityGroupId: '"sg-0123456789abcdef0"',
  };
  const failures: string[] = [];
  readmeSnippets().forEach((code, i) => {
    const runnable = code.replace(/"<from [^"]*\.sha512>"/g, `"${"a".repeat(128)}"`).replace("new App()", 'new App({ outdir: "out" })');
    const complete = /^import /m.test(code);
    const used = exported.filter((name) => new RegExp(`\\b${name}\\b`).test(code));
    const declared = (name: string) => new RegExp(`\\b(const|let)\\s+${name}\\b`).test(code);
    const prelude = complete
      ? ""
      : [
          `import { App, TerraformStack } from "cdktf";`,
          `import { AwsProvider } from "@cdktf/provider-aws/lib/provider";`,
          `import { ${[...new Set([...used, "FlinkVpc", "FlinkStateStorage"])].join(", ")} } from "cdktf-flink";`,
          ...Object.entries(given).filter(([name]) => !declared(name)).map(([name, value]) => `const ${name} = ${value};`),
          `new AwsProvider(stack, "aws", { region: "eu-west-1" });`,
        ].join("\n");
    const file = path.join(dir, `snippet-${i}.ts`);
    fs.writeFileSync(file, `${prelude}\n${runnable}\nexport {};\n`);
    try {
      run(process.execPath, [path.join(root, "node_modules", "ts-node", "dist", "bin.js"), "--transpile-only", file], dir);
    } catch (error: any) {
      failures.push(`snippet ${i}: ${String(error.stderr ?? error).split("\n").find((line: string) => /Error|must|Fix/.test(line)) ?? error}`);
    }
  });
  expect(failures).toEqual([]);
});

test("the README's shortest stack synthesizes from the packed package", () => {
  const usage = readmeSnippets().find((code) => code.includes('new TerraformStack(app, "flink")'))!;
  expect(usage).toBeDefined();
  const dir = path.join(consumer, "usage");
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, "main.ts"), usage.replace("new App()", 'new App({ outdir: "out" })'));
  // The tsconfig the README's section names.
  fs.writeFileSync(path.join(dir, "tsconfig.json"), JSON.stringify({ compilerOptions: { target: "ES2022", module: "commonjs", strict: true, esModuleInterop: true, skipLibCheck: true } }));
  run(process.execPath, [path.join(root, "node_modules", "ts-node", "dist", "bin.js"), "--transpile-only", "main.ts"], dir);
  const flinkDir = path.join(dir, "out", "stacks", "flink", "flink");
  expect(JSON.parse(fs.readFileSync(path.join(flinkDir, "manifest.json"), "utf8")).clusters[0]).toMatchObject({ name: "orders", flinkVersion: "2.3", target: "ec2" });
  const tf = JSON.parse(fs.readFileSync(path.join(dir, "out", "stacks", "flink", "cdk.tf.json"), "utf8"));
  expect(Object.keys(tf.output)).toContain("orders-rest-url");

  expect(run(path.join(consumer, "node_modules", ".bin", "cdktf-flink"), ["--help"], dir)).toContain("plan-offline");
});

test("the packed bin's savepoint command runs from dist/ and says clearly when the cluster cannot be reached", () => {
  const bin = path.join(consumer, "node_modules", ".bin", "cdktf-flink");
  expect(run(bin, ["savepoint", "--help"], consumer)).toContain("--stop");
  // Port 9 on loopback (discard) is closed here: the command must fail with one clear line, exit 1.
  let failure: { status?: number; stderr?: string } = {};
  try {
    run(bin, ["savepoint", "--rest-url", "http://127.0.0.1:9", "--timeout", "5", "--out", path.join(work, "sp.json")], consumer);
  } catch (error) {
    failure = error as { status?: number; stderr?: string };
  }
  expect(failure.status).toBe(1);
  expect(failure.stderr).toMatch(/^cdktf-flink savepoint: cannot reach the Flink REST API at http:\/\/127\.0\.0\.1:9: .*Check the URL/m);
});

test("the packed bin's check-plan command runs from dist/: refuses a plan that replaces a JobManager without HA, passes it acknowledged", () => {
  const bin = path.join(consumer, "node_modules", ".bin", "cdktf-flink");
  const facts = { cluster: "orders", flinkVersion: "2.3", runtime: "tarball 2.3.0", mode: "session", ha: "none", haClusterId: "", stateful: true, restorePath: "", acknowledged: [], resources: { jobManager: ["aws_instance.jm"], taskManagers: [], state: [], haData: [] } };
  const planFile = path.join(work, "plan.json");
  fs.writeFileSync(planFile, JSON.stringify({ format_version: "1.2", output_changes: { "orders-deployment": { actions: ["no-op"], before: facts, after: facts } }, resource_changes: [{ address: "aws_instance.jm", mode: "managed", type: "aws_instance", change: { actions: ["delete", "create"] } }] }));
  let failure: { status?: number; stderr?: string } = {};
  try {
    run(bin, ["check-plan", planFile], consumer);
  } catch (error) {
    failure = error as { status?: number; stderr?: string };
  }
  expect(failure.status).toBe(1);
  expect(failure.stderr).toMatch(/^refused: \[replace-without-ha\] orders: aws_instance\.jm \(JobManager\) is replaced, and the cluster has no HA/m);
  expect(run(bin, ["check-plan", planFile, "--acknowledge", "replace-without-ha:orders=maintenance window"], consumer)).toMatch(/^check-plan: ok, 1 cluster\(s\), 1 resource change\(s\), 1 acknowledged$/m);
});

const planAvailable = (require(path.join(root, "scripts", "plan-offline.js")) as { availability: () => { ok: boolean; reason?: string } }).availability();
if (!planAvailable.ok) {
  // Loud on purpose: a skipped plan must never read as a passed one.
  console.warn(`SKIPPED: the packed bin's plan (test/package.test.ts) did not run: ${planAvailable.reason}`);
}
(planAvailable.ok ? test : test.skip)("`npx cdktf-flink plan-offline` from the packed package plans the README's shortest stack", () => {
  const dir = path.join(consumer, "usage");
  const planned = run(path.join(consumer, "node_modules", ".bin", "cdktf-flink"), ["plan-offline", "--out", "out", "flink"], dir);
  expect(planned).toMatch(/^flink: Plan: \d+ to add, 0 to change, 0 to destroy\./m);
});

test("a broken app run by the real `cdktf synth` shows each problem once, with the construct path, and no stack frames", () => {
  const dir = path.join(consumer, "broken");
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(
    path.join(dir, "main.js"),
    `const { App, TerraformStack } = require("cdktf");
const { FlinkCluster, FlinkRuntime, FlinkTarget, FlinkVersion } = require("cdktf-flink");
const { AwsProvider } = require("@cdktf/provider-aws/lib/provider");
const app = new App();
const stack = new TerraformStack(app, "broken");
new FlinkCluster(stack, "orders", { version: FlinkVersion.V2_2, taskManager: { slots: 0 } });
new AwsProvider(stack, "aws", { region: "eu-west-1" });
const target = (desired) => FlinkTarget.ec2({ vpcId: "vpc-0123456789abcdef0", subnetIds: ["subnet-0123456789abcdef0"], amiId: "ami-0123456789abcdef0",
  jobManager: { instanceType: "m6i.large" }, taskManagers: { instanceType: "m6i.xlarge", desired }, runtime: FlinkRuntime.containerImage({ image: "flink:2.2.0-java17" }) });
new FlinkCluster(stack, "local-checkpoints", { version: FlinkVersion.V2_2, target: target(2), checkpointing: { interval: "1 min", directory: "file:///data/cp" } });
new FlinkCluster(stack, "raw-ha", { version: FlinkVersion.V2_2, rawConfig: { "high-availability.type": "zookeeper" } });
new FlinkCluster(stack, "raw-tls", { version: FlinkVersion.V2_2, rawConfig: { "security.ssl.internal.enabled": true } });
new FlinkCluster(stack, "ungranted", { version: FlinkVersion.V2_2, target: target(1), checkpointing: { interval: "1 min", directory: "s3://other-bucket/cp" } });
// A refused storage, and a cluster that uses it: the storage's problem once, and nothing else from the cluster.
const { FlinkHA, FlinkStateStorage, FlinkVpc } = require("cdktf-flink");
const badStorage = new FlinkStateStorage(stack, "bad-state", { bucket: { namePrefix: "Bad_Prefix" } });
new FlinkCluster(stack, "uses-bad-state", { version: FlinkVersion.V2_2, stateStorage: badStorage });
new FlinkHA(stack, "bad-ha", {});
new FlinkVpc(stack, "bad-network", { availabilityZones: ["eu-west-1a"], cidr: "10.0.0.0/33" });
FlinkStateStorage.fromBucketName(stack, "bad-import", "Bad_Bucket");
app.synth();
`,
  );
  fs.writeFileSync(path.join(dir, "cdktf.json"), JSON.stringify({ language: "typescript", app: "node main.js", sendCrashReports: "false" }));
  fs.symlinkSync(path.join(consumer, "node_modules"), path.join(dir, "node_modules"));
  let output = "";
  try {
    run(path.join(root, "node_modules", ".bin", "cdktf"), ["synth"], dir);
  } catch (error: any) {
    output = `${error.stdout ?? ""}${error.stderr ?? ""}`;
  }
  // Under the CLI the problems are error annotations, which cdktf prints once each (an exception it prints twice, with its stack).
  expect(output).toContain('ERROR [broken/orders]: FlinkCluster "broken/orders":\n  taskManager.slots must be a whole number >= 1 (got 0). Fix: set a whole number >= 1.');
  // The mistakes a new user made, tried again from a fresh app: one clear message each.
  for (const message of [
    "taskManager.slots must be a whole number",
    "checkpointing.directory is a local directory, but target.taskManagers.max allows 2 TaskManagers",
    'rawConfig["high-availability.type"] switches on a feature that rawConfig cannot wire',
    'rawConfig["security.ssl.internal.enabled"] switches on a feature that rawConfig cannot wire',
    "[flink:s3-not-granted] checkpointing.directory s3://other-bucket/cp is on S3, but no grant covers it",
    'FlinkStateStorage "broken/bad-state":',
    'FlinkHA "broken/bad-ha":',
    'FlinkVpc "broken/bad-network":',
    'FlinkStateStorage "broken/bad-import":',
  ]) {
    expect({ message, times: output.split(message).length - 1 }).toEqual({ message, times: 1 });
  }
  expect(output.split("\n").filter((line) => /^\s+at /.test(line))).toEqual([]);
  expect(output).not.toContain("problems: [");
  expect(output).not.toContain("TypeError");
  expect(output).not.toContain("[broken/uses-bad-state]");
  expect(output).toContain("error annotations have been encountered");
});

test("the same broken app run as a plain program throws, with the user's own frame first and none of the package's", () => {
  const dir = path.join(consumer, "broken");
  let output = "";
  try {
    run("node", ["main.js"], dir);
  } catch (error: any) {
    output = `${error.stdout ?? ""}${error.stderr ?? ""}`;
  }
  expect(output).toContain('FlinkConfigError: FlinkCluster "broken/orders":\n  taskManager.slots must be a whole number >= 1 (got 0).');
  const frames = output.split("\n").filter((line) => /^\s+at /.test(line));
  expect(frames[0]).toMatch(/broken\/main\.js:6:1\)$/);
  expect(frames.filter((line) => line.includes(path.join("node_modules", "cdktf-flink")))).toEqual([]);
  expect(output).not.toContain("problems: [");
});


test("the blueprint module (examples/blueprint) installs as a package of its own, and an app team's stack synthesizes from it", () => {
  expect(blueprintFiles.filter((f) => f.endsWith(".js")).sort()).toEqual(["package/dist/acme-flink-cluster.js", "package/dist/acme-flink-platform.js", "package/dist/flink.js", "package/dist/index.js"]);
  const app = path.join(consumer, "acme-app");
  fs.mkdirSync(app);
  fs.writeFileSync(
    path.join(app, "main.js"),
    `const { App, TerraformStack } = require("cdktf");
const { AwsProvider } = require("@cdktf/provider-aws/lib/provider");
const { AcmeFlinkCluster, AcmeFlinkPlatform } = require("@acme/flink-blueprint");
const app = new App({ outdir: "out" });
const stack = new TerraformStack(app, "acme-orders");
new AwsProvider(stack, "aws", { region: "eu-west-1" });
const platform = new AcmeFlinkPlatform(stack, "platform", { availabilityZones: ["eu-west-1a", "eu-west-1b", "eu-west-1c"], amiId: "ami-0123456789abcdef0",
  flinkTarballSha512: "a".repeat(128), zookeeperTarballSha512: "b".repeat(128), operationsCidr: "10.40.0.0/16" });
new AcmeFlinkCluster(stack, "orders", { platform, team: "orders", size: "large", taskManagers: 3 });
app.synth();
`,
  );
  run("node", ["main.js"], app);
  const flinkDir = path.join(app, "out", "stacks", "acme-orders", "flink");
  const manifest = JSON.parse(fs.readFileSync(path.join(flinkDir, "manifest.json"), "utf8"));
  expect(manifest.clusters).toEqual([expect.objectContaining({ name: "orders-orders", flinkVersion: "2.3", target: "ec2" })]);
  expect(fs.readFileSync(path.join(flinkDir, manifest.clusters[0].files["config.yaml"]), "utf8")).toMatch(/^taskmanager\.numberOfTaskSlots: 16$/m);
});

/**
 * Builds examples/blueprint as the platform team publishes it (its sources with `cdktf-flink` from the
 * registry, here the packed one), packs it and installs it into the consumer; returns its file list.
 */
function installBlueprint(): string[] {
  // The package as a platform team would publish it: its sources with `cdktf-flink` from the registry.
  const pkg = path.join(consumer, "acme-flink-blueprint");
  fs.cpSync(path.join(root, "examples", "blueprint", "src"), path.join(pkg, "src"), { recursive: true });
  for (const file of ["package.json", "tsconfig.json"]) fs.copyFileSync(path.join(root, "examples", "blueprint", file), path.join(pkg, file));
  fs.writeFileSync(path.join(pkg, "src", "flink.ts"), 'export * from "cdktf-flink";\n');
  run(path.join(root, "node_modules", ".bin", "tsc"), ["-p", "tsconfig.json"], pkg);
  const tarball = run("npm", ["pack", "--silent", "--ignore-scripts", "--pack-destination", work], pkg).trim().split("\n").pop()!;
  const files = run("tar", ["-tzf", path.join(work, tarball)], work).split("\n").filter(Boolean);
  run("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline", path.join(work, tarball)], consumer);

  return files;
}
