import { ChildProcess } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Testing } from "cdktf";
import { parse } from "yaml";
import { ec2HaStack } from "../examples/ec2-ha/main";
import { FlinkVersion, MONITORING_FILES } from "../lib";
import { getJson, localDirectoryOverrides, logTails, startFlinkProcess, submitProbeJob, writeRenderedConf } from "./helpers/flink-processes";
import { ActiveAlert, instanceTags, prometheusForEc2, prometheusProblem, unreadableByRules } from "./helpers/prometheus";
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
 * a TaskManager, FlinkTaskManagerLost and FlinkJobRestarting become active. Flink 1.20 (2.3: test/flink-production-real.test.ts).
 */

// Flink 2.3 fails over, over TLS, scraped by Prometheus with the rendered rules, in test/flink-production-real.test.ts (examples/production).
const RUN_LINES = ["1.20"] as const;
const STACK_OF_LINE: Readonly<Record<(typeof RUN_LINES)[number], string>> = { "1.20": EC2_HA_1_20_STACK };
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

const describeFlink = describeWithRealFlink("FlinkMonitoring with real Flink and Prometheus (test/flink-monitoring-real.test.ts)", RUN_LINES, zookeeperProblem() ?? prometheusProblem());

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
        const tags = instanceTags(JSON.parse(Testing.synth(ec2HaStack(Testing.app(), stack, FlinkVersion.of(line)))));
        const instances = [
          ...jobManagers.map((jm, i) => ({ host: jm.host, role: "jobmanager" as const, instanceId: `i-00000000000000a${i}` })),
          ...taskManagers.map((tm, i) => ({ host: tm.host, role: "taskmanager" as const, instanceId: `i-00000000000000b${i}` })),
        ];
        const prometheus = prometheusForEc2(network, network.addHost("prom"), path.join(work, "prometheus"), rendered.files, tags, instances, metricsPort);

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
        expect(await unreadableByRules(prometheus, rendered.files, line, (what, probe) => wait(what, 120_000, probe))).toEqual({ unparsable: [], missingMetrics: [], missingLabels: [] });
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
