import { execFile } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { describeWhenAvailable } from "./real-flink";
import { TestHost, TestNetwork } from "./test-hosts";

/** Debian's Prometheus and promtool (package prometheus), which .ci/run installs. */
export const PROMETHEUS = "/usr/bin/prometheus";
export const PROMTOOL = "/usr/bin/promtool";
const WEB_PORT = 9090;

/** Why Prometheus cannot run here, or undefined when it can. */
export function prometheusProblem(): string | undefined {
  for (const tool of [PROMETHEUS, PROMTOOL]) if (!fs.existsSync(tool)) return `${tool} is not installed (apt-get install prometheus)`;
  return undefined;
}

/** `describe` when promtool and Prometheus exist; else a failing test under CI, a loud skip elsewhere. */
export function describeWithPrometheus(what: string, otherProblem?: string): jest.Describe {
  return describeWhenAvailable(what, prometheusProblem() ?? otherProblem, "Prometheus and promtool are available");
}

/** Runs promtool; resolves with its output whatever the exit code. */
export function promtool(args: readonly string[], cwd?: string): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile(PROMTOOL, [...args], { cwd, timeout: 60_000, encoding: "utf8" }, (error, stdout, stderr) =>
      resolve({ code: error ? (typeof error.code === "number" ? error.code : 1) : 0, output: `${stdout}${stderr}` }),
    );
  });
}

/** One alert as Prometheus' /api/v1/alerts lists it. */
export interface ActiveAlert {
  readonly labels: Readonly<Record<string, string>>;
  readonly state: "pending" | "firing";
}

/** A Prometheus server on a test host, with its HTTP API. */
export class PrometheusServer {
  public readonly url: string;

  /** Starts Prometheus with `config` (a prometheus.yml in `dir`, beside its rule and target files). */
  constructor(network: TestNetwork, host: TestHost, dir: string, config: string) {
    this.url = `http://${host.address}:${WEB_PORT}`;
    network.start(host, PROMETHEUS, [`--config.file=${path.join(dir, config)}`, `--storage.tsdb.path=${path.join(dir, "data")}`, `--web.listen-address=${host.address}:${WEB_PORT}`], {
      logFile: path.join(dir, "prometheus.log"),
    });
  }

  private async api(pathAndQuery: string): Promise<any> {
    const response = await fetch(`${this.url}/api/v1/${pathAndQuery}`, { signal: AbortSignal.timeout(10_000) });
    const body: any = await response.json();
    if (body.status !== "success") throw new Error(`Prometheus ${pathAndQuery}: ${JSON.stringify(body)}`);
    return body.data;
  }

  public async targets(): Promise<Array<{ labels: Record<string, string>; health: string; lastError: string }>> {
    return (await this.api("targets?state=active")).activeTargets;
  }

  public async query(expr: string): Promise<Array<{ metric: Record<string, string>; value: [number, string] }>> {
    return (await this.api(`query?query=${encodeURIComponent(expr)}`)).result;
  }

  public async metricNames(): Promise<string[]> {
    return this.api("label/__name__/values");
  }

  /** The label sets of every series of `metric`. */
  public async series(metric: string): Promise<Array<Record<string, string>>> {
    return this.api(`series?match[]=${encodeURIComponent(metric)}`);
  }

  public async alerts(): Promise<ActiveAlert[]> {
    return (await this.api("alerts")).alerts;
  }

  /** The names of the rule groups' rules Prometheus loaded, with their health. */
  public async rules(): Promise<Array<{ name: string; health: string; lastError?: string }>> {
    return (await this.api("rules")).groups.flatMap((g: any) => g.rules);
  }
}
