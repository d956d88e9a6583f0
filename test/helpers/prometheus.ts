import { execFile } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { parse, stringify } from "yaml";
import { MONITORING_FILES } from "../../lib";
import { dashboardExpressions } from "../../lib/monitoring/dashboard";
import { CONNECTOR_METRICS, flinkMetricNames } from "../../lib/monitoring/metric-names";
import { parsePromQL } from "./promql";
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

/** The instance tags of each Flink role, as a synthesized stack's launch templates give them to EC2. */
export function instanceTags(synthesized: any): Record<"jobmanager" | "taskmanager", Record<string, string>> {
  const templates = Object.values(synthesized.resource.aws_launch_template) as Array<{ tag_specifications: Array<{ resource_type: string; tags: Record<string, string> }> }>;
  const tags = templates.map((t) => t.tag_specifications.find((s) => s.resource_type === "instance")!.tags);
  return { jobmanager: tags.find((t) => t["flink:component"] === "jobmanager")!, taskmanager: tags.find((t) => t["flink:component"] === "taskmanager")! };
}

/** The labels EC2 discovery gives an instance: each tag as __meta_ec2_tag_<key, sanitized>. */
function ec2DiscoveryLabels(host: TestHost, instanceId: string, tags: Record<string, string>): Record<string, string> {
  return {
    __meta_ec2_instance_id: instanceId,
    __meta_ec2_private_ip: host.address,
    ...Object.fromEntries(Object.entries(tags).map(([key, value]) => [`__meta_ec2_tag_${key.replace(/[^a-zA-Z0-9_]/g, "_")}`, value])),
  };
}

/** A Flink process as EC2 discovery would find it: its host, role and instance id. */
export interface Ec2Instance {
  readonly host: TestHost;
  readonly role: "jobmanager" | "taskmanager";
  readonly instanceId: string;
}

/**
 * Prometheus on `host` with a cluster's rendered scrape configuration and rules, its EC2 discovery
 * replaced by file-based targets that carry the __meta_ec2_* labels EC2 discovery gives the instances.
 * Checks first that the discovery's tag filters select what the launch templates tag, and its port.
 */
export function prometheusForEc2(network: TestNetwork, host: TestHost, dir: string, files: Readonly<Record<string, string>>, tags: ReturnType<typeof instanceTags>, instances: readonly Ec2Instance[], metricsPort: number): PrometheusServer {
  fs.mkdirSync(dir, { recursive: true });
  const scrape = parse(files[MONITORING_FILES.scrape]);
  const [job] = scrape.scrape_configs;
  if (JSON.stringify(scrape.rule_files) !== JSON.stringify([MONITORING_FILES.rules])) throw new Error(`the scrape configuration loads ${JSON.stringify(scrape.rule_files)}, not ${MONITORING_FILES.rules}`);
  for (const filter of job.ec2_sd_configs[0].filters.filter((f: { name: string }) => f.name.startsWith("tag:"))) {
    for (const role of ["jobmanager", "taskmanager"] as const) {
      if (!filter.values.includes(tags[role][filter.name.slice(4)])) throw new Error(`EC2 discovery filter ${filter.name}=${filter.values} does not select the ${role} instances, tagged ${JSON.stringify(tags[role])}`);
    }
  }
  if (job.ec2_sd_configs[0].port !== metricsPort) throw new Error(`EC2 discovery scrapes port ${job.ec2_sd_configs[0].port}, the reporter listens on ${metricsPort}`);
  const targets = instances.map((i) => ({ targets: [`${i.host.address}:${metricsPort}`], labels: ec2DiscoveryLabels(i.host, i.instanceId, tags[i.role]) }));
  fs.writeFileSync(path.join(dir, "ec2-targets.json"), JSON.stringify(targets));
  delete job.ec2_sd_configs;
  job.file_sd_configs = [{ files: ["ec2-targets.json"], refresh_interval: "5s" }];
  fs.writeFileSync(path.join(dir, "prometheus.yml"), stringify(scrape));
  fs.writeFileSync(path.join(dir, MONITORING_FILES.rules), files[MONITORING_FILES.rules]);
  return new PrometheusServer(network, host, dir, "prometheus.yml");
}

/** Labels the scrape configuration gives every target, not from Flink. */
const TARGET_LABELS = ["cluster", "component", "flink_version", "instance", "job"];

/**
 * What the rendered rules and dashboard read that the scraped Flink does not expose: expressions that do
 * not parse, metric names never scraped (waited for through `wait`: some appear with the first
 * checkpoint), and labels filtered or grouped by that no read series carries. Connector metrics (Kafka)
 * exist only with that connector and are left out.
 */
export async function unreadableByRules(
  prometheus: PrometheusServer,
  files: Readonly<Record<string, string>>,
  line: string,
  wait: <T>(what: string, probe: () => Promise<T | undefined>) => Promise<T>,
): Promise<{ unparsable: string[]; missingMetrics: string[]; missingLabels: string[] }> {
  const rules = parse(files[MONITORING_FILES.rules]).groups.flatMap((g: any) => g.rules) as Array<{ expr: string }>;
  const expressions = [...rules.map((r) => r.expr), ...dashboardExpressions(JSON.parse(files[MONITORING_FILES.dashboard]))];
  const parsed = expressions.map((expr) => ({ expr, ...parsePromQL(expr) }));
  const names = flinkMetricNames(line);
  const connectorMetrics = new Set(CONNECTOR_METRICS.map((key) => names[key] as string));
  const needed = [...new Set(parsed.flatMap((p) => p.metricNames))].filter((name) => name !== "up" && !connectorMetrics.has(name)).sort();
  const exposed = await wait("every metric the rules and the dashboard read", async () => {
    const all = new Set(await prometheus.metricNames());
    return needed.every((name) => all.has(name)) ? all : undefined;
  }).catch(async () => new Set(await prometheus.metricNames()));
  const labelsOf = new Map<string, Set<string>>();
  for (const name of needed.filter((n) => exposed.has(n))) labelsOf.set(name, new Set((await prometheus.series(name)).flatMap((s) => Object.keys(s))));
  const missingLabels = parsed
    .filter((p) => !p.metricNames.every((name) => connectorMetrics.has(name)))
    .flatMap((p) => {
      const available = new Set([...TARGET_LABELS, ...p.metricNames.flatMap((name) => [...(labelsOf.get(name) ?? [])])]);
      return p.labelNames.filter((label) => !available.has(label)).map((label) => `${label} in ${p.expr}`);
    });
  return { unparsable: parsed.filter((p) => p.errors.length > 0).map((p) => `${p.expr}: ${p.errors.join("; ")}`), missingMetrics: needed.filter((name) => !exposed.has(name)), missingLabels };
}
