import { ChildProcess } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Testing } from "cdktf";
import { parse, stringify } from "yaml";
import { ec2HaStack } from "../examples/ec2-ha/main";
import { FlinkVersion, MONITORING_FILES } from "../lib";
import { CONNECTOR_METRICS, flinkMetricNames } from "../lib/monitoring/metric-names";
import { dashboardExpressions } from "../lib/monitoring/dashboard";
import { getJson, localDirectoryOverrides, logTails, startFlinkProcess, submitProbeJob, writeRenderedConf } from "./helpers/flink-processes";
import { ActiveAlert, PrometheusServer, prometheusProblem } from "./helpers/prometheus";
import { parsePromQL } from "./helpers/promql";
import { describeWithRealFlink, flinkLayout, probeReport } from "./helpers/real-flink";
import { EC2_HA_1_20_STACK, renderedClusters, renderedEnsembles } from "./helpers/rendered";
import { TestHost, TestNetwork, waitFor } from "./helpers/test-hosts";
import { clientPort, serverMode, startEnsemble, zookeeperProblem } from "./helpers/zookeeper";

/**
 * FlinkMonitoring against a real Flink and a real Prometheus, from the ec2-ha example's rendered files:
 * ZooKeeper, two JobManagers and two TaskManagers run the checkpointing probe job; Prometheus (Debian's)
 * runs the rendered prometheus-scrape.yml with its rules file, its EC2 discovery replaced by file-based
 * targets that carry the __meta_ec2_* labels EC2 discovery gives the example's instances (their tags
 * read from the synthesized launch templates). Every metric and label a rule or panel reads must exist
 * in what Flink exposes; while the cluster is healthy no alert is pending or firing; after kill -9 of
 * a TaskManager, FlinkTaskManagerLost and FlinkJobRestarting become active. Flink 1.20 and 2.3.
 */

const RUN_LINES = ["1.20", "2.3"] as const;
const STACK_OF_LINE: Readonly<Record<(typeof RUN_LINES)[number], string>> = { "1.20": EC2_HA_1_20_STACK, "2.3": "ec2-ha" };
const CLUSTER = "orders";
const TEST_TIMEOUT_MS = 12 * 60 * 1000;
const WAIT_BUDGET_MS = 10 * 60 * 1000;
/** How long the healthy cluster is watched: four rule evaluations at the rendered 15 s. */
const HEALTHY_WATCH_MS = 60_000;
/** Alerts that may join the two expected ones after a TaskManager's loss, and why. */
const ALSO_AFTER_TASKMANAGER_LOSS: Readonly<Record<string, string>> = {
  FlinkSlotsExhausted: "the job restarts on the other TaskManager's slots, leaving none free",
  FlinkCheckpointFailing: "the checkpoint in flight when the TaskManager died fails, and so do triggers while the job restarts",
};
/** Labels the scrape configuration gives every target, not from Flink. */
const TARGET_LABELS = ["cluster", "component", "flink_version", "instance", "job"];

const describeFlink = describeWithRealFlink("FlinkMonitoring with real Flink and Prometheus (test/flink-monitoring-real.test.ts)", RUN_LINES, zookeeperProblem() ?? prometheusProblem());

/** The instance tags of each Flink role, as the stack's launch templates give them to EC2. */
function instanceTags(stack: string, line: string): Record<"jobmanager" | "taskmanager", Record<string, string>> {
  const synthesized = JSON.parse(Testing.synth(ec2HaStack(Testing.app(), stack, FlinkVersion.of(line))));
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

describeFlink("FlinkMonitoring from examples/ec2-ha", () => {
  test.concurrent.each(RUN_LINES.map((line) => [line]))(
    "Flink %s: Prometheus scrapes the rendered relabelling, every name the rules and dashboard read exists, a healthy cluster alerts nothing, a lost TaskManager alerts",
    async (line) => {
      const layout = flinkLayout(line);
      const stack = STACK_OF_LINE[line];
      const work = fs.mkdtempSync(path.join(os.tmpdir(), `cdktf-flink-monitoring-${line}-`));
      const network = new TestNetwork(`mon${line.replace(".", "")}`);
      const budgetEnd = Date.now() + WAIT_BUDGET_MS;
      const wait = <T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>) => waitFor(what, Math.max(0, Math.min(timeoutMs, budgetEnd - Date.now())), probe);
      try {
        const rendered = renderedClusters().find((c) => c.name === `${stack}/${CLUSTER}`)!;
        const ensemble = renderedEnsembles().find((e) => e.name === `${stack}/zookeeper`)!;
        const conf = writeRenderedConf(work, rendered);
        const ours = (await probeReport(layout, [conf])).configs[0];
        expect(ours.error).toBeUndefined();
        const value = (key: string) => ours.values?.[key]?.value as string | undefined;
        const metricsPort = Number(value("metrics.reporter.prom.port"));

        const zkPort = clientPort(ensemble.zooCfg);
        const zookeepers = startEnsemble(network, ensemble.zooCfg, ensemble.myids, work);
        const quorum = zookeepers.map((s) => `${s.host.address}:${zkPort}`).join(",");
        const durable = path.join(work, "durable");
        const overrides = (host: TestHost, name: string): Record<string, string> => ({
          "jobmanager.rpc.address": host.address,
          "rest.address": host.address,
          "taskmanager.host": host.address,
          "high-availability.zookeeper.quorum": quorum,
          "high-availability.storageDir": `file://${path.join(durable, "ha")}`,
          "execution.checkpointing.dir": `file://${path.join(durable, "checkpoints")}`,
          "execution.checkpointing.savepoint-dir": `file://${path.join(durable, "savepoints")}`,
          ...localDirectoryOverrides(work, name),
        });
        const start = (host: TestHost, kind: "jobmanager" | "taskmanager", name: string): ChildProcess =>
          startFlinkProcess({ network, host, kind, name, layout, conf, config: ours, overrides: overrides(host, name), work });
        const jobManagers = [1, 2].map((i) => ({ name: `jobmanager-${i}`, host: network.addHost(`jm${i}`) }));
        const taskManagers = [1, 2].map((i) => ({ name: `taskmanager-${i}`, host: network.addHost(`tm${i}`), child: undefined as unknown as ChildProcess }));
        await wait("a ZooKeeper leader", 60_000, async () => ((await Promise.all(zookeepers.map((s) => serverMode(s.host.address, zkPort)))).includes("leader") ? true : undefined));
        for (const jm of jobManagers) start(jm.host, "jobmanager", jm.name);
        for (const tm of taskManagers) tm.child = start(tm.host, "taskmanager", tm.name);

        // Prometheus with the rendered files; only EC2 discovery is replaced, by targets with its labels.
        const promDir = path.join(work, "prometheus");
        fs.mkdirSync(promDir);
        const scrape = parse(rendered.files[MONITORING_FILES.scrape]);
        const [job] = scrape.scrape_configs;
        expect(scrape.rule_files).toEqual([MONITORING_FILES.rules]);
        const tags = instanceTags(stack, line);
        // What the discovery's filter selects is what the launch templates tag.
        for (const filter of job.ec2_sd_configs[0].filters.filter((f: { name: string }) => f.name.startsWith("tag:"))) {
          for (const role of ["jobmanager", "taskmanager"] as const) expect(filter.values).toContain(tags[role][filter.name.slice(4)]);
        }
        expect(job.ec2_sd_configs[0].port).toBe(metricsPort);
        const targets = [
          ...jobManagers.map((jm, i) => ({ targets: [`${jm.host.address}:${metricsPort}`], labels: ec2DiscoveryLabels(jm.host, `i-00000000000000a${i}`, tags.jobmanager) })),
          ...taskManagers.map((tm, i) => ({ targets: [`${tm.host.address}:${metricsPort}`], labels: ec2DiscoveryLabels(tm.host, `i-00000000000000b${i}`, tags.taskmanager) })),
        ];
        fs.writeFileSync(path.join(promDir, "ec2-targets.json"), JSON.stringify(targets));
        delete job.ec2_sd_configs;
        job.file_sd_configs = [{ files: ["ec2-targets.json"], refresh_interval: "5s" }];
        fs.writeFileSync(path.join(promDir, "prometheus.yml"), stringify(scrape));
        fs.writeFileSync(path.join(promDir, MONITORING_FILES.rules), rendered.files[MONITORING_FILES.rules]);
        const prometheus = new PrometheusServer(network, network.addHost("prom"), promDir, "prometheus.yml");

        const rest = `http://${jobManagers[0].host.address}:${value("rest.port")}`;
        const slots = Number(value("taskmanager.numberOfTaskSlots"));
        await wait("2 TaskManagers registered", 180_000, async () => {
          const overview = await getJson(`${rest}/overview`);
          return overview.taskmanagers === 2 && overview["slots-total"] === 2 * slots ? overview : undefined;
        });
        const clientOverrides = Object.fromEntries(Object.entries(overrides(jobManagers[0].host, "client")).filter(([key]) => /^(high-availability|execution\.checkpointing)\.|^state\.backend\.rocksdb\.localdir$/.test(key)));
        const jobId = await submitProbeJob(layout, conf, ours, `${jobManagers[0].host.address}:${value("rest.port")}`, clientOverrides);
        const running = await wait("the job running with 2 checkpoints", 180_000, async () => {
          const j = await getJson(`${rest}/jobs/${jobId}`);
          const stats = await getJson(`${rest}/jobs/${jobId}/checkpoints`);
          return j.state === "RUNNING" && j.vertices.every((v: any) => v.status === "RUNNING") && stats.counts.completed >= 2 ? j : undefined;
        });

        // Every process is a target, labelled by the rendered relabelling.
        const up = await wait("4 targets up", 90_000, async () => {
          const series = await prometheus.query(`up{job="flink-${CLUSTER}"} == 1`);
          return series.length === 4 ? series.map((s) => s.metric) : undefined;
        });
        expect(up.map((m) => m.component).sort()).toEqual(["jobmanager", "jobmanager", "taskmanager", "taskmanager"]);
        for (const labels of up) {
          expect(labels).toMatchObject({ cluster: CLUSTER, flink_version: tags.jobmanager["flink:version"] });
          expect(labels.instance).toMatch(/^i-0+[ab]\d$/);
        }

        // Every metric a rule or panel reads, and every label it filters or groups by, is exposed.
        const rules = parse(rendered.files[MONITORING_FILES.rules]).groups.flatMap((g: any) => g.rules) as Array<{ alert: string; expr: string }>;
        const expressions = [...rules.map((r) => r.expr), ...dashboardExpressions(JSON.parse(rendered.files[MONITORING_FILES.dashboard]))];
        const parsed = expressions.map((expr) => ({ expr, ...parsePromQL(expr) }));
        expect(parsed.filter((p) => p.errors.length > 0)).toEqual([]);
        const names = flinkMetricNames(line);
        const connectorMetrics = new Set(CONNECTOR_METRICS.map((key) => names[key] as string));
        const needed = [...new Set(parsed.flatMap((p) => p.metricNames))].filter((name) => name !== "up" && !connectorMetrics.has(name)).sort();
        const exposed = await wait("every metric the rules and the dashboard read", 120_000, async () => {
          const all = new Set(await prometheus.metricNames());
          return needed.every((name) => all.has(name)) ? all : undefined;
        }).catch(async (error) => {
          const all = new Set(await prometheus.metricNames());
          throw new Error(`${error}: missing ${needed.filter((name) => !all.has(name)).join(", ")}`);
        });
        expect(needed.filter((name) => !exposed.has(name))).toEqual([]);
        const labelsOf = new Map<string, Set<string>>();
        for (const name of needed) labelsOf.set(name, new Set((await prometheus.series(name)).flatMap((s) => Object.keys(s))));
        // A connector's series (Kafka) exist only with that connector: its panel is checked by name only.
        const missingLabels = parsed.filter((p) => !p.metricNames.every((name) => connectorMetrics.has(name))).flatMap((p) => {
          const available = new Set([...TARGET_LABELS, ...p.metricNames.flatMap((name) => [...(labelsOf.get(name) ?? [])])]);
          return p.labelNames.filter((label) => !available.has(label)).map((label) => `${label} in ${p.expr}`);
        });
        expect(missingLabels).toEqual([]);
        // honor_labels keeps Flink's own cluster label: nothing is renamed exported_*.
        expect(await prometheus.query(`count({__name__=~"flink_.+", exported_cluster!=""})`)).toEqual([]);
        expect(Number((await prometheus.query(`count({__name__=~"flink_.+", cluster="${CLUSTER}"})`))[0].value[1])).toBeGreaterThan(100);

        // Healthy: every rule evaluates, and none is pending or firing for four evaluations.
        const loaded = await prometheus.rules();
        expect(loaded.map((r) => r.name).sort()).toEqual(rules.map((r) => r.alert).sort());
        // Alerts an evaluation raised before the job ran (no running job yet) clear at the next one.
        const cleared = await wait("the alerts of the starting cluster to clear", 60_000, async () => {
          const alerts = await prometheus.alerts();
          return alerts.length === 0 ? true : undefined;
        }).catch(async (error) => {
          throw new Error(`${error}: ${(await prometheus.alerts()).map((a) => `${a.labels.alertname} ${a.state}`).join(", ")}`);
        });
        expect(cleared).toBe(true);
        const healthyUntil = Date.now() + HEALTHY_WATCH_MS;
        const seenHealthy: ActiveAlert[] = [];
        while (Date.now() < healthyUntil) {
          seenHealthy.push(...(await prometheus.alerts()));
          await new Promise((resolve) => setTimeout(resolve, 5_000));
        }
        if (seenHealthy.length > 0) {
          const stats = await getJson(`${rest}/jobs/${jobId}/checkpoints`);
          throw new Error(`alerts on a healthy cluster: ${[...new Set(seenHealthy.map((a) => `${a.labels.alertname} ${a.state}`))].join(", ")}; checkpoint counts ${JSON.stringify(stats.counts)}, latest failed ${JSON.stringify(stats.latest.failed)}`);
        }
        expect((await prometheus.rules()).filter((r) => r.health !== "ok")).toEqual([]);

        // kill -9 the TaskManager that runs the job's tasks.
        const placement = await getJson(`${rest}/jobs/${jobId}/vertices/${running.vertices[0].id}/taskmanagers`);
        const busyHost = placement.taskmanagers.map((t: any) => t.host ?? t.endpoint).find((h: unknown) => typeof h === "string") as string;
        const victim = taskManagers.find((t) => busyHost.includes(t.host.address))!;
        await network.kill(victim.child);
        const killedAt = Date.now();
        const expected = ["FlinkJobRestarting", "FlinkTaskManagerLost"];
        const active = await wait("FlinkTaskManagerLost and FlinkJobRestarting active", 240_000, async () => {
          const alerts = await prometheus.alerts();
          const names = new Set(alerts.map((a) => a.labels.alertname));
          return expected.every((name) => names.has(name)) ? alerts : undefined;
        });
        console.log(`Flink ${line}: after kill -9 of a TaskManager, alerts active after ${((Date.now() - killedAt) / 1000).toFixed(0)} s: ${active.map((a) => `${a.labels.alertname} (${a.state})`).join(", ")}`);
        for (const alert of active) expect(alert.labels.cluster).toBe(CLUSTER);
        expect(active.map((a) => a.labels.alertname).filter((name) => !expected.includes(name) && !(name in ALSO_AFTER_TASKMANAGER_LOSS))).toEqual([]);
      } catch (error) {
        throw new Error(`${String(error instanceof Error ? error.stack : error)}\n${logTails(work)}`);
      } finally {
        await network.cleanup();
        fs.rmSync(work, { recursive: true, force: true });
      }
    },
    TEST_TIMEOUT_MS,
  );
});
