import { execFile, execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

/**
 * Real Flink for the tests: the jars scripts/flink-jars.js resolves per line, and the probe compiled
 * against them. With CI=true a missing JDK or Maven fails the suite; elsewhere the suite is skipped
 * with a loud SKIPPED line, like the terraform plan tests.
 */

const script = path.join(__dirname, "..", "..", "scripts", "flink-jars.js");

/** What scripts/flink-jars.js prepares for one line. */
export interface FlinkLayout {
  readonly line: string;
  readonly release: string;
  readonly dir: string;
  readonly libDir: string;
  readonly pluginsDir: string;
  readonly probeDir: string;
  readonly jobJar: string;
  readonly classpath: readonly string[];
  readonly catalogClasspath: readonly string[];
}

interface FlinkJarsScript {
  availability(lines?: string[]): { ok: boolean; reason?: string };
  prepare(line: string): FlinkLayout;
}
const flinkJars = require(script) as FlinkJarsScript;

/**
 * `describe` when nothing is missing (`problem` undefined), else `describe.skip` after saying why. Under
 * CI a missing tool is a failing test, never a skip: `needs` names what .ci/run installs.
 */
export function describeWhenAvailable(what: string, problem: string | undefined, needs: string): jest.Describe {
  if (problem === undefined) return describe;
  if (isCi()) {
    describe(what, () => {
      test(`${needs} (CI=true: .ci/run installs them)`, () => {
        throw new Error(`${what} cannot run: ${problem}`);
      });
    });
  } else {
    // Loud on purpose: a skipped test must never read as a passed one.
    console.warn(`SKIPPED: ${what} did not run: ${problem}`);
  }
  return describe.skip;
}

/** `describe` when real Flink can run here; `otherProblem` is a further reason the tests cannot run. */
export function describeWithRealFlink(what: string, lines: readonly string[], otherProblem?: string): jest.Describe {
  const available = otherProblem ? { ok: false, reason: otherProblem } : flinkJars.availability([...lines]);
  return describeWhenAvailable(what, available.ok ? undefined : available.reason, "real Flink can run");
}

/** CI as CI services set it: any value but empty, "0" or "false". */
export function isCi(): boolean {
  const ci = (process.env.CI ?? "").toLowerCase();
  return ci !== "" && ci !== "0" && ci !== "false";
}

/** Prepares (or reuses) a line's jars and probe; minutes on a cold ~/.m2, milliseconds after. */
export function flinkLayout(line: string): FlinkLayout {
  return flinkJars.prepare(line);
}

/** A Flink ConfigOption as the probe lists it; values normalised (ms, bytes as strings, enum names). */
export interface FlinkOption {
  readonly key: string;
  readonly type: string;
  readonly enum?: readonly string[];
  readonly default: unknown;
  readonly deprecatedKeys: readonly string[];
  readonly fallbackKeys: readonly string[];
  readonly declaredBy: string;
}

/** One key of a config file as Flink read it: through its option (type), or as a string (no option). */
export interface FlinkReadValue {
  readonly option: string | null;
  readonly type?: string;
  readonly value?: unknown;
  readonly error?: string;
}

/** BashJavaUtils' two result lines, or the exception it threw. */
export interface ResourceParams {
  readonly jvmArgs?: string;
  readonly dynamicConfigs?: string;
  readonly error?: string;
}

export interface FlinkReadConfig {
  readonly dir: string;
  readonly values?: Readonly<Record<string, FlinkReadValue>>;
  readonly error?: string;
  readonly taskManager: ResourceParams;
  readonly jobManager: ResourceParams;
}

export interface ProbeReport {
  readonly options: readonly FlinkOption[];
  readonly configs: readonly FlinkReadConfig[];
}

/**
 * Runs test/flink/probe/FlinkProbe against one line's jars: every option, and each config dir as Flink
 * reads and sizes it. Asynchronous, so clusters running side by side in the same test file keep going.
 */
export function probeReport(layout: FlinkLayout, configDirs: readonly string[]): Promise<ProbeReport> {
  const args = ["-cp", [layout.probeDir, ...layout.catalogClasspath].join(path.delimiter), "FlinkProbe", "report", ...configDirs];
  return new Promise((resolve, reject) => {
    execFile("java", args, { encoding: "utf8", maxBuffer: 512 * 1024 * 1024, timeout: 180_000 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`FlinkProbe on Flink ${layout.release} failed (${error.message}):\n${stderr}`));
      else resolve(JSON.parse(stdout) as ProbeReport);
    });
  });
}

/** What Flink's CliFrontendParser and GenericCLI make of a `flink <action> ...` command line (FlinkProbe cli). */
export interface CliReport {
  readonly config?: Readonly<Record<string, string>>;
  readonly jar?: string;
  readonly entryClass?: string;
  readonly args?: readonly string[];
  readonly restore?: string;
  readonly error?: string;
}

export function probeCli(layout: FlinkLayout, action: string, args: readonly string[]): CliReport {
  const classpath = [layout.probeDir, ...layout.catalogClasspath].join(path.delimiter);
  const stdout = execFileSync("java", ["-cp", classpath, "FlinkProbe", "cli", action, ...args], { encoding: "utf8", timeout: 60_000 });
  return JSON.parse(stdout) as CliReport;
}

/** Writes each config.yaml into its own directory (as Flink's --configDir expects) under a fresh temp dir. */
export function writeConfigDirs(configs: ReadonlyArray<{ name: string; configYaml: string }>): { root: string; dirs: string[] } {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "cdktf-flink-configs-"));
  const dirs = configs.map(({ name, configYaml }, i) => {
    const dir = path.join(root, `${String(i).padStart(3, "0")}-${name.replace(/[^\w.-]+/g, "_")}`);
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, "config.yaml"), configYaml);
    return dir;
  });
  return { root, dirs };
}

/** `-D key=value` pairs of a BashJavaUtils dynamic-configs line. */
export function dynamicConfigs(line: string): Record<string, string> {
  return Object.fromEntries([...line.matchAll(/-D\s+([^=\s]+)=(\S*)/g)].map(([, key, value]) => [key, value]));
}

/** `-Xmx`, `-Xms`, `-XX:MaxDirectMemorySize`, `-XX:MaxMetaspaceSize` of a BashJavaUtils JVM-args line, in bytes. */
export function jvmMemoryFlags(line: string): Record<string, string> {
  const flags: Record<string, string> = {};
  for (const token of line.split(/\s+/)) {
    const match = /^(-Xmx|-Xms|-XX:MaxDirectMemorySize=|-XX:MaxMetaspaceSize=)(\d+)$/.exec(token);
    if (match) flags[match[1].replace(/=$/, "")] = match[2];
  }
  return flags;
}
