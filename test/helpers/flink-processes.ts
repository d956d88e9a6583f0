import { ChildProcess, execFile } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { FlinkLayout, FlinkReadConfig, dynamicConfigs } from "./real-flink";
import { TestHost, TestNetwork } from "./test-hosts";

/** Flink processes started as bin/jobmanager.sh and bin/taskmanager.sh start them, on test hosts. */

export async function getJson(url: string): Promise<any> {
  const response = await fetch(url, { signal: AbortSignal.timeout(5000) });
  if (!response.ok) throw new Error(`GET ${url}: ${response.status} ${await response.text()}`);
  return response.json();
}

export async function getText(url: string): Promise<string> {
  const response = await fetch(url, { signal: AbortSignal.timeout(5000) });
  if (!response.ok) throw new Error(`GET ${url}: ${response.status}`);
  return response.text();
}

/** `-D key=value` pairs as Flink's entry points and client take them. */
export const dynamicProperties = (properties: Readonly<Record<string, string>>): string[] => Object.entries(properties).flatMap(([key, value]) => ["-D", `${key}=${value}`]);

export function run(command: string, args: readonly string[], options: { env: NodeJS.ProcessEnv; timeout: number }): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile(command, args, { ...options, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) || 1 : 0, output: `${stdout}${stderr}` }));
  });
}

/** The env.java.* options of the config, as the scripts add them for a role. */
export function javaOpts(config: FlinkReadConfig, role: "jobmanager" | "taskmanager" | "client"): string[] {
  const value = (key: string) => config.values?.[key]?.value as string | undefined;
  return [value("env.java.default-opts.all"), value("env.java.opts.all"), value(`env.java.opts.${role}`)].filter((o): o is string => !!o).join(" ").split(/\s+/).filter(Boolean);
}

export interface FlinkProcessOptions {
  readonly network: TestNetwork;
  readonly host: TestHost;
  readonly kind: "jobmanager" | "taskmanager";
  /** Names the process's log files in `work`. */
  readonly name: string;
  readonly layout: FlinkLayout;
  /** The conf/ folder with the rendered files. */
  readonly conf: string;
  /** Flink's reading of conf/ (BashJavaUtils' JVM flags and memory -D options). */
  readonly config: FlinkReadConfig;
  /** The keys the test sets on the command line instead of config.yaml's value. */
  readonly overrides: Readonly<Record<string, string>>;
  readonly work: string;
}

/**
 * Starts a JobManager (StandaloneSessionClusterEntrypoint) or TaskManager (TaskManagerRunner): the JVM
 * flags and -D memory settings BashJavaUtils computes, the env.java.* options, log4j from the rendered
 * properties, the Prometheus reporter as a plugin (FLINK_PLUGINS_DIR), then the overrides.
 */
export function startFlinkProcess(o: FlinkProcessOptions): ChildProcess {
  const isJm = o.kind === "jobmanager";
  const params = isJm ? o.config.jobManager : o.config.taskManager;
  if (params.error) throw new Error(`BashJavaUtils refused the rendered config: ${params.error}`);
  const log4j = path.join(o.conf, "log4j-console.properties");
  const args = [
    ...params.jvmArgs!.split(/\s+/),
    ...javaOpts(o.config, o.kind),
    `-Dlog.file=${path.join(o.work, `${o.name}.log`)}`,
    `-Dlog4j.configuration=file:${log4j}`,
    `-Dlog4j.configurationFile=file:${log4j}`,
    "-classpath",
    o.layout.classpath.join(path.delimiter),
    isJm ? "org.apache.flink.runtime.entrypoint.StandaloneSessionClusterEntrypoint" : "org.apache.flink.runtime.taskexecutor.TaskManagerRunner",
    "--configDir",
    o.conf,
    ...dynamicProperties(dynamicConfigs(params.dynamicConfigs!)),
    ...dynamicProperties(o.overrides),
  ];
  return o.network.start(o.host, "java", args, { env: { ...process.env, FLINK_CONF_DIR: o.conf, FLINK_PLUGINS_DIR: o.layout.pluginsDir }, logFile: path.join(o.work, `${o.name}.out`) });
}

/**
 * Submits the probe job with Flink's own client, as `flink run -d -m <rest>` (the cluster's submitJob
 * output) does; the client reads conf/ and applies the overrides (its checkpoint storage comes from
 * its own configuration). Returns the job id.
 */
export async function submitProbeJob(layout: FlinkLayout, conf: string, config: FlinkReadConfig, rest: string, overrides: Readonly<Record<string, string>>): Promise<string> {
  const client = await run(
    "java",
    [...javaOpts(config, "client"), "-classpath", layout.classpath.join(path.delimiter), "org.apache.flink.client.cli.CliFrontend", "run", "-d", "-m", rest, ...dynamicProperties(overrides), layout.jobJar],
    { env: { ...process.env, FLINK_CONF_DIR: conf }, timeout: 120_000 },
  );
  const jobId = /JobID ([0-9a-f]{32})/.exec(client.output)?.[1];
  if (!jobId) throw new Error(`flink run did not submit the job (exit ${client.code}):\n${client.output}`);
  return jobId;
}

/** Writes a rendered cluster's files, unchanged, as the conf/ folder of a test cluster in `work`; returns its path. */
export function writeRenderedConf(work: string, files: { readonly configYaml: string; readonly log4jProperties: string }): string {
  const conf = path.join(work, "conf");
  fs.mkdirSync(conf);
  fs.writeFileSync(path.join(conf, "config.yaml"), files.configYaml);
  fs.writeFileSync(path.join(conf, "log4j-console.properties"), files.log4jProperties);
  return conf;
}

/** The local folders one process writes to (its own, under `work/<name>`), as the keys that name them. */
export function localDirectoryOverrides(work: string, name: string): Record<"io.tmp.dirs" | "web.upload.dir" | "state.backend.rocksdb.localdir", string> {
  const local = path.join(work, name);
  fs.mkdirSync(path.join(local, "tmp"), { recursive: true });
  return {
    "io.tmp.dirs": path.join(local, "tmp"),
    "web.upload.dir": path.join(local, "web-upload"),
    "state.backend.rocksdb.localdir": path.join(local, "rocksdb"),
  };
}

/** The last lines of every log in `work`, to print with a failure. */
export function logTails(work: string): string {
  if (!fs.existsSync(work)) return "";
  return fs
    .readdirSync(work)
    .filter((f) => f.endsWith(".log") || f.endsWith(".out"))
    .map((f) => `--- ${f}\n${fs.readFileSync(path.join(work, f), "utf8").split("\n").slice(-30).join("\n")}`)
    .join("\n");
}

/** The highest keyed count of the running probe job: its maxCount gauge over the subtasks, read through `get` (http or https). */
export async function probeMaxCount(get: (url: string) => Promise<any>, rest: string, jobId: string): Promise<number | undefined> {
  const job = await get(`${rest}/jobs/${jobId}`);
  const vertex = job.vertices.find((v: any) => v.name.includes("count-per-key"));
  const names = ((await get(`${rest}/jobs/${jobId}/vertices/${vertex.id}/metrics`)) as Array<{ id: string }>).map((m) => m.id).filter((id) => id.endsWith(".maxCount"));
  if (names.length === 0) return undefined;
  const values = (await get(`${rest}/jobs/${jobId}/vertices/${vertex.id}/metrics?get=${names.join(",")}`)) as Array<{ value: string }>;
  return values.length ? Math.max(...values.map((v) => Number(v.value))) : undefined;
}
