import { ChildProcess } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { RESTART_SEC } from "../lib/targets/ec2/cloud-init";
import { getJson, getText, localDirectoryOverrides, logTails, startFlinkProcess, submitProbeJob, writeRenderedConf } from "./helpers/flink-processes";
import { FlinkLayout, describeWithRealFlink, flinkLayout, probeReport } from "./helpers/real-flink";
import { renderedClusters } from "./helpers/rendered";
import { TestHost, TestNetwork, testHostsProblem, waitFor } from "./helpers/test-hosts";

/**
 * A standalone session cluster from the rendered files of examples/config-only (the seed's production
 * cluster), run by Flink itself: one JobManager (StandaloneSessionClusterEntrypoint) and two
 * TaskManagers (TaskManagerRunner), each in its own network namespace so every rendered port is used
 * unchanged. Processes start as bin/jobmanager.sh and bin/taskmanager.sh start them: the JVM flags and
 * -D memory settings BashJavaUtils computes, plus the env.java.* options of the config, log4j from the
 * rendered log4j-console.properties, and the Prometheus reporter as a plugin (FLINK_PLUGINS_DIR).
 *
 * The only keys overridden (as -D options, config.yaml stays as rendered) are addresses, local
 * directories and the durable storage URIs; OVERRIDDEN_KEYS lists them.
 */

const RUN_LINES = ["1.20", "2.3"] as const;
const CLUSTER_OF_LINE: Readonly<Record<(typeof RUN_LINES)[number], string>> = { "1.20": "config-only/seed-production-1-20", "2.3": "config-only/seed-production-2-3" };
/** The test's own timeout; every wait shares a budget below it, so cleanup always runs before jest gives up. */
const TEST_TIMEOUT_MS = 12 * 60 * 1000;
const WAIT_BUDGET_MS = 10 * 60 * 1000;
/** Every key the test sets on the command line instead of config.yaml's value. */
const OVERRIDDEN_KEYS = [
  "jobmanager.rpc.address",
  "rest.address",
  "taskmanager.host",
  "io.tmp.dirs",
  "web.upload.dir",
  "state.backend.rocksdb.localdir",
  "execution.checkpointing.dir",
  "execution.checkpointing.savepoint-dir",
] as const;

const describeFlink = describeWithRealFlink("Flink session cluster tests (test/flink-session-cluster.test.ts)", RUN_LINES, testHostsProblem());

type Role = "jobmanager" | "taskmanager-1" | "taskmanager-2";

describeFlink("Flink session cluster from examples/config-only", () => {
  test.concurrent.each(RUN_LINES.map((line) => [line]))(
    "Flink %s runs, checkpoints, survives a TaskManager's kill -9 and serves Prometheus metrics",
    async (line) => {
      const layout: FlinkLayout = flinkLayout(line);
      const work = fs.mkdtempSync(path.join(os.tmpdir(), `cdktf-flink-cluster-${line}-`));
      const network = new TestNetwork(line.replace(".", ""));
      let restartTimer: NodeJS.Timeout | undefined;
      const budgetEnd = Date.now() + WAIT_BUDGET_MS;
      const wait = <T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>) => waitFor(what, Math.max(0, Math.min(timeoutMs, budgetEnd - Date.now())), probe);
      try {
        // The rendered files, unchanged, as the cluster's conf/.
        const conf = writeRenderedConf(work, renderedClusters().find((c) => c.name === CLUSTER_OF_LINE[line])!);
        const ours = (await probeReport(layout, [conf])).configs[0];
        expect(ours.error).toBeUndefined();
        const flinkValue = (key: string) => ours.values?.[key]?.value as string | undefined;
        const port = (key: string) => Number(flinkValue(key));
        const parallelism = port("parallelism.default");
        const slots = port("taskmanager.numberOfTaskSlots");
        const checkpointsDir = path.join(work, "durable", "checkpoints");
        fs.mkdirSync(checkpointsDir, { recursive: true });

        const jm = network.addHost("jm");
        const tms = [network.addHost("tm1"), network.addHost("tm2")];
        const rest = `http://${jm.address}:${port("rest.port")}`;

        const overrides = (host: TestHost, role: string): Record<(typeof OVERRIDDEN_KEYS)[number], string> => ({
            "jobmanager.rpc.address": jm.address,
            "rest.address": jm.address,
            "taskmanager.host": host.address,
            ...localDirectoryOverrides(work, role),
            "execution.checkpointing.dir": `file://${checkpointsDir}`,
            "execution.checkpointing.savepoint-dir": `file://${path.join(work, "durable", "savepoints")}`,
        });
        const start = (host: TestHost, role: Role): ChildProcess =>
          startFlinkProcess({ network, host, kind: role === "jobmanager" ? "jobmanager" : "taskmanager", name: role, layout, conf, config: ours, overrides: overrides(host, role), work });

        start(jm, "jobmanager");
        const taskManagers = tms.map((host, i) => ({ host, role: `taskmanager-${i + 1}` as Role, child: start(host, `taskmanager-${i + 1}` as Role) }));

        // Both TaskManagers register with all their slots.
        const bothTaskManagersRegistered = (what: string) =>
          wait(what, 120_000, async () => {
            const overview = await getJson(`${rest}/overview`);
            return overview.taskmanagers === 2 && overview["slots-total"] === 2 * slots ? overview : undefined;
          });
        await bothTaskManagersRegistered("2 TaskManagers registered");

        // The JobManager runs with the rendered configuration.
        const jmConfig = Object.fromEntries(((await getJson(`${rest}/jobmanager/config`)) as Array<{ key: string; value: string }>).map((e) => [e.key, e.value]));
        expect(jmConfig["restart-strategy.type"]).toBe("exponential-delay");
        expect(jmConfig["parallelism.default"]).toBe(String(parallelism));
        expect(jmConfig["state.backend.type"]).toBe("rocksdb");

        // Submit the probe job with Flink's own client, as `flink run -d -m <rest>` (the cluster's submitJob output)
        // does: the client reads conf/ and so applies parallelism.default. (The REST API's /jars/:id/run does
        // not: it takes the parallelism from the request, else 1; README "Real Flink in the loop".)
        // The client writes the job's checkpoint storage from its own configuration: the same overrides.
        const jobId = await submitProbeJob(layout, conf, ours, `${jm.address}:${port("rest.port")}`, overrides(jm, "client"));

        const job = await wait("the job running", 120_000, async () => {
          const j = await getJson(`${rest}/jobs/${jobId}`);
          return j.state === "RUNNING" && j.vertices.every((v: any) => v.status === "RUNNING") ? j : undefined;
        });
        // Configured parallelism, from parallelism.default (the job sets none).
        expect(job.vertices.map((v: any) => `${v.name}: ${v.parallelism}`)).toEqual(job.vertices.map((v: any) => `${v.name}: ${parallelism}`));
        const jobConfig = await getJson(`${rest}/jobs/${jobId}/config`);
        expect(jobConfig.jid).toBe(jobId);
        expect(jobConfig["execution-config"]["job-parallelism"]).toBe(parallelism);

        // Checkpoints: at least three complete into the file:// directory, with RocksDB.
        const checkpointConfig = await getJson(`${rest}/jobs/${jobId}/checkpoints/config`);
        expect(checkpointConfig.state_backend).toMatch(/RocksDB/);
        expect(checkpointConfig.interval).toBe(30_000);
        const beforeKill = await wait("3 completed checkpoints", 240_000, async () => {
          const stats = await getJson(`${rest}/jobs/${jobId}/checkpoints`);
          return stats.counts.completed >= 3 ? stats : undefined;
        });
        expect(beforeKill.latest.completed.external_path).toContain(checkpointsDir);
        expect(fs.readdirSync(path.join(checkpointsDir, jobId)).filter((d) => d.startsWith("chk-")).length).toBeGreaterThanOrEqual(1);

        // Metrics on the Prometheus reporter port of every process.
        const metricsPort = port("metrics.reporter.prom.port");
        const jmMetrics = await wait("JobManager metrics", 60_000, async () => {
          const text = await getText(`http://${jm.address}:${metricsPort}/metrics`);
          return /^flink_jobmanager_job_numberOfCompletedCheckpoints\{/m.test(text) ? text : undefined;
        });
        expect(jmMetrics).toMatch(/^flink_jobmanager_numRegisteredTaskManagers\S* 2\.0$/m);
        for (const { host } of taskManagers) {
          expect(await getText(`http://${host.address}:${metricsPort}/metrics`)).toMatch(/^flink_taskmanager_Status_JVM_Memory_Heap_Used\{/m);
        }

        // kill -9 the TaskManager that runs the job's tasks; systemd starts it again after RestartSec.
        const vertex = job.vertices[0].id;
        const placement = await getJson(`${rest}/jobs/${jobId}/vertices/${vertex}/taskmanagers`);
        const busyHost = placement.taskmanagers.map((t: any) => t.host ?? t.endpoint).find((h: unknown) => typeof h === "string") as string;
        const victim = taskManagers.find((t) => busyHost.includes(t.host.address))!;
        expect(victim).toBeDefined();
        const lastCompletedBeforeKill: number = (await getJson(`${rest}/jobs/${jobId}/checkpoints`)).latest.completed.id;
        await network.kill(victim.child);
        const killedAt = Date.now();
        restartTimer = setTimeout(() => {
          victim.child = start(victim.host, victim.role);
        }, RESTART_SEC * 1000);

        const recovered = await wait("the job running again after the kill", 240_000, async () => {
          const j = await getJson(`${rest}/jobs/${jobId}`);
          const stats = await getJson(`${rest}/jobs/${jobId}/checkpoints`);
          return j.state === "RUNNING" && j.vertices.every((v: any) => v.status === "RUNNING") && stats.latest.restored ? { job: j, stats } : undefined;
        });
        // Restored from the latest checkpoint that had completed when the TaskManager died.
        expect(recovered.stats.latest.restored.id).toBeGreaterThanOrEqual(lastCompletedBeforeKill);
        expect(recovered.stats.latest.restored.external_path).toContain(checkpointsDir);
        // The exponential-delay strategy waited its initial backoff (10 s, jitter 0.1) before restarting.
        const timestamps = recovered.job.timestamps;
        expect(timestamps.RESTARTING).toBeGreaterThanOrEqual(killedAt - 1000);
        expect(timestamps.RUNNING - timestamps.RESTARTING).toBeGreaterThanOrEqual(9_000);
        const restarts = await wait("numRestarts in the JobManager's metrics", 60_000, async () => {
          const text = await getText(`http://${jm.address}:${metricsPort}/metrics`);
          const value = /^flink_jobmanager_job_numRestarts\{[^}]*\} (\S+)$/m.exec(text)?.[1];
          return value !== undefined && Number(value) >= 1 ? Number(value) : undefined;
        });
        expect(restarts).toBeGreaterThanOrEqual(1);

        // The restored job checkpoints again, into the same directory.
        const after = await wait("a checkpoint after the restore", 120_000, async () => {
          const stats = await getJson(`${rest}/jobs/${jobId}/checkpoints`);
          return stats.latest.completed && stats.latest.completed.id > recovered.stats.latest.restored.id ? stats : undefined;
        });
        expect(after.latest.completed.external_path).toContain(checkpointsDir);

        // Flink logs every deprecated key it reads from config.yaml: none of ours is one. (It also logs
        // rest.port as the fallback of rest.bind-port, which is how rest.port is meant to be used.)
        const logs = ["jobmanager", ...taskManagers.map((t) => t.role)].map((role) => fs.readFileSync(path.join(work, `${role}.log`), "utf8")).join("\n");
        expect(logs.match(/Config uses deprecated configuration key .*/g) ?? []).toEqual([]);

        // The restarted TaskManager registers again, with all its slots.
        await bothTaskManagersRegistered("the restarted TaskManager registered");
      } catch (error) {
        // The processes' own logs say why; print their tails with the failure.
        throw new Error(`${String(error instanceof Error ? error.stack : error)}\n${logTails(work)}`);
      } finally {
        clearTimeout(restartTimer);
        await network.cleanup();
        fs.rmSync(work, { recursive: true, force: true });
      }
    },
    TEST_TIMEOUT_MS,
  );
});
