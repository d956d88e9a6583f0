import * as fs from "fs";
import * as http from "http";
import * as https from "https";
import { outputName } from "../targets/flink-process";

/**
 * `cdktf-flink savepoint`: takes a savepoint of every running job of a cluster (or stops each with
 * one), through Flink's REST API, waits for each, and prints and writes where each landed.
 */

export interface SavepointOptions {
  /** The cluster's REST URL: http(s)://host:port. */
  readonly restUrl: string;
  /** Where the savepoints go. @default - the cluster's execution.checkpointing.savepoint-dir */
  readonly targetDirectory?: string;
  /** Stop each job with its savepoint (Flink's stop), instead of keeping it running. */
  readonly stop?: boolean;
  /** Only these jobs (ids); each must be running. @default - every running job */
  readonly jobIds?: readonly string[];
  /** How long to wait for each savepoint. */
  readonly timeoutMs: number;
  /** PEM files for REST TLS: the CA that signed the server, and a client certificate and key for mutual TLS. */
  readonly caFile?: string;
  readonly certFile?: string;
  readonly keyFile?: string;
}

export interface SavepointResult {
  readonly jobId: string;
  readonly jobName: string;
  readonly location: string;
  readonly stopped: boolean;
}

/** A failure with the line the command prints. */
export class SavepointError extends Error {}

type Json = any;

function request(options: SavepointOptions, method: "GET" | "POST", path: string, body?: unknown): Promise<{ status: number; json: Json }> {
  const url = new URL(path, options.restUrl.endsWith("/") ? options.restUrl : `${options.restUrl}/`);
  const secure = url.protocol === "https:";
  const tls = secure
    ? { ca: options.caFile ? fs.readFileSync(options.caFile) : undefined, cert: options.certFile ? fs.readFileSync(options.certFile) : undefined, key: options.keyFile ? fs.readFileSync(options.keyFile) : undefined }
    : {};
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = (secure ? https : http).request(
      url,
      { method, headers: payload ? { "content-type": "application/json", "content-length": Buffer.byteLength(payload) } : {}, timeout: 15_000, ...tls },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (chunk) => (text += chunk));
        res.on("end", () => {
          try {
            resolve({ status: res.statusCode ?? 0, json: text ? JSON.parse(text) : {} });
          } catch {
            reject(new SavepointError(`${method} ${url.href} answered ${res.statusCode} with something that is not Flink's JSON: ${text.slice(0, 200)}`));
          }
        });
      },
    );
    req.on("timeout", () => req.destroy(new Error("no answer within 15 s")));
    req.on("error", (error) => reject(new SavepointError(`cannot reach the Flink REST API at ${options.restUrl}: ${error.message}. Check the URL (the cluster's rest-url output), the network path and, with REST TLS, --ca-file.`)));
    if (payload) req.write(payload);
    req.end();
  });
}

async function call(options: SavepointOptions, method: "GET" | "POST", path: string, body?: unknown): Promise<Json> {
  const { status, json } = await request(options, method, path, body);
  if (status >= 400) throw new SavepointError(`${method} ${path} failed with ${status}: ${(json.errors ?? [JSON.stringify(json)]).join("; ").split("\n")[0]}`);
  return json;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Triggers one job's savepoint (or stop), then polls its status until it completes, fails or times out. */
async function savepointOf(options: SavepointOptions, job: { jid: string; name: string }): Promise<SavepointResult> {
  const directory = options.targetDirectory;
  const trigger = options.stop
    ? await call(options, "POST", `jobs/${job.jid}/stop`, { ...(directory ? { targetDirectory: directory } : {}), drain: false })
    : await call(options, "POST", `jobs/${job.jid}/savepoints`, { ...(directory ? { "target-directory": directory } : {}), "cancel-job": false });
  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    const status = await call(options, "GET", `jobs/${job.jid}/savepoints/${trigger["request-id"]}`);
    if (status.status?.id === "COMPLETED") {
      const failure = status.operation?.["failure-cause"];
      if (failure) {
        const cause = String(failure["stack-trace"] ?? failure.class ?? "unknown").split("\n").slice(0, 3).join(" / ");
        throw new SavepointError(`the savepoint of job ${job.jid} (${job.name}) failed: ${cause}`);
      }
      // Flink reports the stop's savepoint complete while the job is still RUNNING for a moment: a stop
      // is done when the job has finished.
      if (options.stop) await finished(options, job, deadline);
      return { jobId: job.jid, jobName: job.name, location: status.operation.location, stopped: options.stop ?? false };
    }
    if (Date.now() > deadline) {
      throw new SavepointError(`the savepoint of job ${job.jid} (${job.name}) did not complete within ${options.timeoutMs / 1000} s; it may still complete: check GET /jobs/${job.jid}/savepoints/${trigger["request-id"]}, or raise --timeout.`);
    }
    await sleep(500);
  }
}

async function finished(options: SavepointOptions, job: { jid: string; name: string }, deadline: number): Promise<void> {
  for (;;) {
    const state = (await call(options, "GET", `jobs/${job.jid}`)).state;
    if (state === "FINISHED") return;
    if (["FAILED", "CANCELED"].includes(state)) throw new SavepointError(`job ${job.jid} (${job.name}) took its savepoint but then ended ${state}, not FINISHED`);
    if (Date.now() > deadline) throw new SavepointError(`job ${job.jid} (${job.name}) took its savepoint but did not finish within ${options.timeoutMs / 1000} s (state ${state})`);
    await sleep(250);
  }
}

/**
 * Savepoints of the chosen (or every running) job, one after another; `onResult` hears of each as it
 * completes, so a later failure does not lose the ones already taken (stopped jobs need them).
 */
export async function takeSavepoints(options: SavepointOptions, onResult: (result: SavepointResult) => void = () => undefined): Promise<SavepointResult[]> {
  const overview = await call(options, "GET", "jobs/overview");
  const jobs: Array<{ jid: string; name: string; state: string }> = overview.jobs ?? [];
  let chosen = jobs.filter((j) => j.state === "RUNNING");
  if (options.jobIds?.length) {
    chosen = options.jobIds.map((id) => {
      const job = jobs.find((j) => j.jid === id);
      if (!job) throw new SavepointError(`job ${id} is not known to the cluster at ${options.restUrl}`);
      if (job.state !== "RUNNING") throw new SavepointError(`job ${id} (${job.name}) is ${job.state}, not RUNNING: only a running job can take a savepoint`);
      return job;
    });
  }
  if (chosen.length === 0) throw new SavepointError(`no job is running on the cluster at ${options.restUrl}: there is nothing to savepoint`);
  const results: SavepointResult[] = [];
  for (const job of chosen) {
    const result = await savepointOf(options, job);
    results.push(result);
    onResult(result);
  }
  return results;
}

/** The REST URL and savepoint directory of a cluster from `terraform output -json` ({ name: { value } }). */
export function clusterFromOutputs(outputsJson: Json, clusterName: string): { restUrl: string; savepointsUri?: string } {
  const flat: Record<string, unknown> = Object.fromEntries(Object.entries(outputsJson ?? {}).map(([key, output]) => [key, (output as { value?: unknown } | null)?.value]));
  const restUrl = flat[outputName(clusterName, "restUrl")];
  if (typeof restUrl !== "string" && flat[outputName(clusterName, "emrClusterId")] !== undefined) {
    throw new SavepointError(
      `${clusterName} runs on YARN in EMR, where Flink's REST API listens on a port YARN picks on the ApplicationMaster's node: there is no rest-url output. On the primary node run \`flink stop -t yarn-session -Dyarn.application.id=<id> --savepointPath <dir> <job id>\` (or flink savepoint), or give --rest-url http://<ApplicationMaster host>:<port> from the YARN application's tracking URL.`,
    );
  }
  if (typeof restUrl !== "string") {
    throw new SavepointError(`the outputs have no ${outputName(clusterName, "restUrl")}: is ${clusterName} the cluster's name, and was the stack applied? Or give --rest-url.`);
  }
  const savepoints = flat[outputName(clusterName, "savepointsUri")];
  return { restUrl, savepointsUri: typeof savepoints === "string" ? savepoints : undefined };
}

const USAGE = `usage: cdktf-flink savepoint (--rest-url URL | --outputs FILE --cluster NAME) [--stop] [--job ID ...]
                            [--target-directory URI] [--timeout SECONDS] [--out FILE] [--ca-file PEM] [--cert-file PEM --key-file PEM]
  --outputs FILE    terraform output -json of the applied stack: the cluster's rest-url and savepoints-uri
  --stop            stop each job with its savepoint (before an upgrade) instead of keeping it running
  --out FILE        where the JSON of the savepoints is written (default savepoints.json)`;

/** Parses the arguments, runs, prints; returns the exit code (0 done, 1 a savepoint failed, 2 bad usage). */
export async function main(args: readonly string[]): Promise<number> {
  const values: Record<string, string[]> = {};
  let stop = false;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === "--stop") stop = true;
    else if (arg === "-h" || arg === "--help") {
      console.log(USAGE);
      return 0;
    } else if (arg.startsWith("--") && i + 1 < args.length) (values[arg.slice(2)] ??= []).push(args[++i]);
    else {
      console.error(`cdktf-flink savepoint: unexpected argument "${arg}"\n${USAGE}`);
      return 2;
    }
  }
  const one = (name: string) => values[name]?.[values[name].length - 1];
  const unknown = Object.keys(values).filter((k) => !["rest-url", "outputs", "cluster", "job", "target-directory", "timeout", "out", "ca-file", "cert-file", "key-file"].includes(k));
  if (unknown.length) {
    console.error(`cdktf-flink savepoint: unknown option --${unknown[0]}\n${USAGE}`);
    return 2;
  }
  const out = one("out") ?? "savepoints.json";
  const results: SavepointResult[] = [];
  let restUrl: string | undefined = one("rest-url");
  try {
    let targetDirectory: string | undefined = one("target-directory");
    if (!restUrl) {
      const outputs = one("outputs");
      const cluster = one("cluster");
      if (!outputs || !cluster) {
        console.error(`cdktf-flink savepoint: give --rest-url, or --outputs and --cluster\n${USAGE}`);
        return 2;
      }
      const found = clusterFromOutputs(JSON.parse(fs.readFileSync(outputs, "utf8")), cluster);
      restUrl = found.restUrl;
      targetDirectory = targetDirectory ?? found.savepointsUri;
    }
    const timeout = Number(one("timeout") ?? 600);
    if (!(timeout > 0)) {
      console.error(`cdktf-flink savepoint: --timeout must be a number of seconds above 0 (got ${one("timeout")})`);
      return 2;
    }
    await takeSavepoints({ restUrl, targetDirectory, stop, jobIds: values.job, timeoutMs: timeout * 1000, caFile: one("ca-file"), certFile: one("cert-file"), keyFile: one("key-file") }, (r) => {
      results.push(r);
      console.log(`${r.jobId} ${r.jobName}: ${r.stopped ? "stopped with savepoint" : "savepoint"} ${r.location}`);
    });
    fs.writeFileSync(out, JSON.stringify({ restUrl, savepoints: results }, null, 2) + "\n");
    console.log(`wrote ${out}`);
    return 0;
  } catch (error) {
    const message = error instanceof SavepointError ? error.message : String(error);
    console.error(`cdktf-flink savepoint: ${message}`);
    // The savepoints already taken (their jobs maybe stopped) are what a restore needs: keep them.
    if (results.length > 0) {
      fs.writeFileSync(out, JSON.stringify({ restUrl, savepoints: results, failed: message }, null, 2) + "\n");
      console.error(`cdktf-flink savepoint: wrote the ${results.length} savepoint(s) taken before the failure to ${out}`);
    }
    return 1;
  }
}
