import { ChildProcess, execFileSync } from "child_process";
import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import { RESTART_SEC } from "../lib/targets/ec2/cloud-init";
import { REST_HEALTH_CHECK } from "../lib/targets/ec2/rest-load-balancer";
import { getJson, getText, localDirectoryOverrides, logTails, startFlinkProcess, submitProbeJob, writeRenderedConf } from "./helpers/flink-processes";
import { describeWithRealFlink, flinkLayout, probeReport } from "./helpers/real-flink";
import { EC2_HA_1_20_STACK, renderedClusters, renderedEnsembles } from "./helpers/rendered";
import { TestHost, TestNetwork, waitFor } from "./helpers/test-hosts";
import { ZOO_CFG_OVERRIDES, clientPort, fourLetterWord, serverMode, startEnsemble, zookeeperProblem } from "./helpers/zookeeper";

/**
 * A real failover, from the ec2-ha example's rendered files (config.yaml, zoo.cfg, myid): three
 * ZooKeeper servers, two JobManagers and two TaskManagers, each on its own test host, run the
 * checkpointing probe job. kill -9 of the leading JobManager: the standby takes over and the job runs
 * again from the latest completed checkpoint, while REST through one stable address (a health-checked
 * TCP balancer, as the example's load balancer) keeps answering. Then a ZooKeeper follower dies and the
 * job keeps running. Flink 1.20 (the newest 2.x: test/flink-production-real.test.ts).
 *
 * Overridden, and only these: OVERRIDDEN_KEYS in config.yaml (addresses, local folders, durable storage
 * as a shared file:// folder) and ZOO_CFG_OVERRIDES in zoo.cfg. Each JobManager's own address is set on
 * its command line as the EC2 unit does (-D jobmanager.rpc.address / rest.address = the host's address).
 */

// Flink 2.3 fails over, over TLS, scraped by Prometheus with the rendered rules, in test/flink-production-real.test.ts (examples/production).
const RUN_LINES = ["1.20"] as const;
const STACK_OF_LINE: Readonly<Record<(typeof RUN_LINES)[number], string>> = { "1.20": EC2_HA_1_20_STACK };
const TEST_TIMEOUT_MS = 14 * 60 * 1000;
/** The longest the stable REST address may leave a client without any HTTP answer during a failover. */
const MAX_REST_SILENCE_MS = 25_000;
const WAIT_BUDGET_MS = 12 * 60 * 1000;
const OVERRIDDEN_KEYS = [
  "jobmanager.rpc.address",
  "rest.address",
  "taskmanager.host",
  "high-availability.zookeeper.quorum",
  "high-availability.storageDir",
  "execution.checkpointing.dir",
  "execution.checkpointing.savepoint-dir",
  "io.tmp.dirs",
  "web.upload.dir",
  "state.backend.rocksdb.localdir",
] as const;

const describeFlink = describeWithRealFlink("Flink HA failover tests (test/flink-ha-failover.test.ts)", RUN_LINES, zookeeperProblem());

/**
 * One stable REST address over several JobManagers, as the example's Network Load Balancer: new
 * connections go to JobManagers that pass the target group's health check (REST_HEALTH_CHECK: its path,
 * interval and thresholds), and to all of them when none passes (an NLB fails open).
 */
class RestBalancer {
  private readonly healthy = new Set<string>();
  private readonly streaks = new Map<string, number>();
  private readonly server: net.Server;
  private readonly timer: NodeJS.Timeout;
  private next = 0;

  constructor(private readonly backends: readonly string[], private readonly backendPort: number) {
    this.server = net.createServer((client) => {
      const passing = this.backends.filter((b) => this.healthy.has(b));
      const targets = passing.length ? passing : this.backends;
      const upstream = net.connect({ host: targets[this.next++ % targets.length], port: this.backendPort });
      client.pipe(upstream).pipe(client);
      upstream.on("error", () => client.destroy());
      client.on("error", () => upstream.destroy());
    });
    this.timer = setInterval(() => void this.check(), REST_HEALTH_CHECK.interval * 1000);
  }

  public async listen(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
    // Registered targets start healthy after their first passing checks.
    for (let i = 0; i < REST_HEALTH_CHECK.healthyThreshold; i++) await this.check();
    return `127.0.0.1:${(this.server.address() as net.AddressInfo).port}`;
  }

  /** A streak > 0 counts passes, < 0 failures; a target changes state after its threshold in a row. */
  private async check(): Promise<void> {
    await Promise.all(
      this.backends.map(async (b) => {
        let ok = false;
        try {
          ok = (await fetch(`http://${b}:${this.backendPort}${REST_HEALTH_CHECK.path}`, { signal: AbortSignal.timeout(5000) })).ok;
        } catch {
          ok = false;
        }
        const streak = this.streaks.get(b) ?? 0;
        const now = ok ? Math.max(streak, 0) + 1 : Math.min(streak, 0) - 1;
        this.streaks.set(b, now);
        if (now >= REST_HEALTH_CHECK.healthyThreshold) this.healthy.add(b);
        if (-now >= REST_HEALTH_CHECK.unhealthyThreshold) this.healthy.delete(b);
      }),
    );
  }

  public close(): void {
    clearInterval(this.timer);
    this.server.close();
  }
}

/** The TCP ports a test host listens on, from `ss` in its namespace. */
function listeningPorts(host: TestHost): number[] {
  const out = execFileSync("ip", ["netns", "exec", host.name, "ss", "-ltnH"], { encoding: "utf8" });
  return out.split("\n").map((line) => Number(/:(\d+)\s/.exec(line.split(/\s+/)[3] + " ")?.[1])).filter((p) => p > 0);
}

describeFlink("Flink HA failover from examples/ec2-ha", () => {
  test.concurrent.each(RUN_LINES.map((line) => [line]))(
    "Flink %s: the standby JobManager takes over after kill -9 of the leader, the job restores its latest checkpoint; a ZooKeeper follower's loss changes nothing",
    async (line) => {
      const layout = flinkLayout(line);
      const stack = STACK_OF_LINE[line];
      const work = fs.mkdtempSync(path.join(os.tmpdir(), `cdktf-flink-ha-${line}-`));
      const network = new TestNetwork(`ha${line.replace(".", "")}`);
      const budgetEnd = Date.now() + WAIT_BUDGET_MS;
      const wait = <T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>) => waitFor(what, Math.max(0, Math.min(timeoutMs, budgetEnd - Date.now())), probe);
      let balancer: RestBalancer | undefined;
      let restartTimer: NodeJS.Timeout | undefined;
      try {
        const ensemble = renderedEnsembles().find((e) => e.name === `${stack}/zookeeper`)!;
        const conf = writeRenderedConf(work, renderedClusters().find((c) => c.name === `${stack}/orders`)!);
        const ours = (await probeReport(layout, [conf])).configs[0];
        expect(ours.error).toBeUndefined();
        const value = (key: string) => ours.values?.[key]?.value as string | undefined;
        // Flink reads the HA keys as rendered.
        expect(value("high-availability.type")).toBe("zookeeper");
        expect(value("high-availability.cluster-id")).toBe("/orders");
        expect(String(value("high-availability.jobmanager.port"))).toBe(String(value("jobmanager.rpc.port")));
        const restPort = Number(value("rest.port"));
        const metricsPort = Number(value("metrics.reporter.prom.port"));

        // ZooKeeper from the rendered zoo.cfg and myid files.
        const zkPort = clientPort(ensemble.zooCfg);
        const zookeepers = startEnsemble(network, ensemble.zooCfg, ensemble.myids, work);
        const quorum = zookeepers.map((s) => `${s.host.address}:${zkPort}`).join(",");
        expect(value("high-availability.zookeeper.quorum")!.split(",")).toHaveLength(zookeepers.length);

        const durable = path.join(work, "durable");
        const checkpointsDir = path.join(durable, "checkpoints");
        const overrides = (host: TestHost, name: string): Record<(typeof OVERRIDDEN_KEYS)[number], string> => ({
            "jobmanager.rpc.address": host.address,
            "rest.address": host.address,
            "taskmanager.host": host.address,
            "high-availability.zookeeper.quorum": quorum,
            "high-availability.storageDir": `file://${path.join(durable, "ha")}`,
            "execution.checkpointing.dir": `file://${checkpointsDir}`,
            "execution.checkpointing.savepoint-dir": `file://${path.join(durable, "savepoints")}`,
            ...localDirectoryOverrides(work, name),
        });
        const start = (host: TestHost, kind: "jobmanager" | "taskmanager", name: string): ChildProcess =>
          startFlinkProcess({ network, host, kind, name, layout, conf, config: ours, overrides: overrides(host, name), work });

        const jobManagers = [1, 2].map((i) => ({ name: `jobmanager-${i}`, host: network.addHost(`jm${i}`), child: undefined as unknown as ChildProcess }));
        const taskManagers = [1, 2].map((i) => ({ name: `taskmanager-${i}`, host: network.addHost(`tm${i}`) }));
        await wait("a ZooKeeper leader", 60_000, async () => ((await Promise.all(zookeepers.map((s) => serverMode(s.host.address, zkPort)))).includes("leader") ? true : undefined));
        for (const jm of jobManagers) jm.child = start(jm.host, "jobmanager", jm.name);
        for (const tm of taskManagers) start(tm.host, "taskmanager", tm.name);

        balancer = new RestBalancer(jobManagers.map((jm) => jm.host.address), restPort);
        const stable = `http://${await balancer.listen()}`;
        const slots = Number(value("taskmanager.numberOfTaskSlots"));
        await wait("2 TaskManagers registered with the leader", 180_000, async () => {
          const overview = await getJson(`${stable}/overview`);
          return overview.taskmanagers === 2 && overview["slots-total"] === 2 * slots ? overview : undefined;
        });

        // The client finds the leader's REST address through ZooKeeper, as `flink run` does with HA. The job carries the
        // client's RocksDB folder (job settings win over the TaskManagers'), so it too must lie in the test's folder.
        const clientOverrides = Object.fromEntries(Object.entries(overrides(jobManagers[0].host, "client")).filter(([key]) => /^(high-availability|execution\.checkpointing)\.|^state\.backend\.rocksdb\.localdir$/.test(key)));
        const jobId = await submitProbeJob(layout, conf, ours, `${jobManagers[0].host.address}:${restPort}`, clientOverrides);
        await wait("the job running", 120_000, async () => {
          const j = await getJson(`${stable}/jobs/${jobId}`);
          return j.state === "RUNNING" && j.vertices.every((v: any) => v.status === "RUNNING") ? j : undefined;
        });
        await wait("2 completed checkpoints", 120_000, async () => {
          const stats = await getJson(`${stable}/jobs/${jobId}/checkpoints`);
          return stats.counts.completed >= 2 ? stats : undefined;
        });

        // The leader is the JobManager that runs the job: only it reports the job's metrics.
        const runsJob = async (host: TestHost) => {
          try {
            return /^flink_jobmanager_job_uptime\{/m.test(await getText(`http://${host.address}:${metricsPort}/metrics`));
          } catch {
            return false;
          }
        };
        const leader = await wait("the leading JobManager", 60_000, async () => {
          const running = await Promise.all(jobManagers.map((jm) => runsJob(jm.host)));
          return running.filter(Boolean).length === 1 ? jobManagers[running.indexOf(true)] : undefined;
        });
        const standby = jobManagers.find((jm) => jm !== leader)!;
        // The leader's RPC endpoint listens on the fixed HA port the security groups open (Flink's default is random).
        expect(listeningPorts(leader.host)).toContain(Number(value("high-availability.jobmanager.port")));
        // A standby's REST API answers too, from the leader.
        expect((await getJson(`http://${standby.host.address}:${restPort}/jobs/${jobId}`)).state).toBe("RUNNING");

        const lastCompleted: number = (await getJson(`${stable}/jobs/${jobId}/checkpoints`)).latest.completed.id;
        await network.kill(leader.child);
        const killedAt = Date.now();
        // systemd starts the dead JobManager again after RestartSec; it comes back as the standby.
        restartTimer = setTimeout(() => {
          leader.child = start(leader.host, "jobmanager", `${leader.name}-restarted`);
        }, RESTART_SEC * 1000);

        // REST through the stable address keeps answering: an HTTP answer (503 or 500 while no leader is
        // known, 200 after) at least every MAX_REST_SILENCE_MS. A request can wait: a JobManager that
        // knows no live leader yet holds it until one is elected (seen with the restarted JobManager).
        const unanswered: string[] = [];
        const statuses = new Map<number, number>();
        let lastAnswer = killedAt;
        let longestSilence = 0;
        const recovered = await wait("the job running again on the standby", 240_000, async () => {
          let response: Response;
          try {
            response = await fetch(`${stable}/jobs/${jobId}`, { signal: AbortSignal.timeout(10_000) });
          } catch (error) {
            unanswered.push(`${Math.round((Date.now() - killedAt) / 1000)} s: ${String(error)}`);
            return undefined;
          } finally {
            longestSilence = Math.max(longestSilence, Date.now() - lastAnswer);
          }
          lastAnswer = Date.now();
          statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
          if (!response.ok) return undefined;
          const j: any = await response.json();
          if (!(j.state === "RUNNING" && j.vertices.every((v: any) => v.status === "RUNNING"))) return undefined;
          const stats = await getJson(`${stable}/jobs/${jobId}/checkpoints`);
          return stats.latest.restored && (await runsJob(standby.host)) ? { job: j, stats, at: Date.now() } : undefined;
        });
        const failoverSeconds = (recovered.at - killedAt) / 1000;
        console.log(
          `Flink ${line}: kill -9 of the leading JobManager to the job RUNNING on the standby: ${failoverSeconds.toFixed(1)} s; REST answers by status during the failover: ${JSON.stringify(Object.fromEntries(statuses))}; longest wait for an answer ${(longestSilence / 1000).toFixed(1)} s; requests without an answer within 10 s: ${unanswered.length ? unanswered.join("; ") : "none"}`,
        );
        expect(longestSilence).toBeLessThanOrEqual(MAX_REST_SILENCE_MS);
        // Restored from the latest checkpoint completed before the kill (or a later one), from the shared folder.
        expect(recovered.stats.latest.restored.id).toBeGreaterThanOrEqual(lastCompleted);
        expect(recovered.stats.latest.restored.external_path).toContain(checkpointsDir);
        // No job lost, none duplicated.
        const jobs = (await getJson(`${stable}/jobs`)).jobs;
        expect(jobs).toEqual([{ id: jobId, status: "RUNNING" }]);

        // A ZooKeeper follower dies, the one with the most Flink connections: the quorum holds, and the
        // processes connected to it move to another server without giving up leadership (FlinkHA's
        // tolerateSuspendedConnections; with Flink's default the job restarted here).
        const answers = await Promise.all(zookeepers.map(async (s) => [s, await fourLetterWord(s.host.address, zkPort, "srvr")] as const));
        const followers = answers.filter(([, a]) => /^Mode: follower$/m.test(a ?? "")).map(([s, a]) => ({ server: s, connections: Number(/^Connections: (\d+)$/m.exec(a!)![1]) }));
        const follower = followers.sort((x, y) => y.connections - x.connections)[0].server;
        console.log(`Flink ${line}: killing ZooKeeper follower ${follower.id} with ${followers[0].connections - 1} client connection(s) besides ours`);
        const restoredId = recovered.stats.latest.restored.id;
        const restartsBefore = (await getJson(`${stable}/jobs/${jobId}`)).timestamps.RESTARTING;
        await network.kill(follower.child);
        const after = await wait("2 checkpoints after the ZooKeeper follower's loss", 120_000, async () => {
          const stats = await getJson(`${stable}/jobs/${jobId}/checkpoints`);
          return stats.latest.completed && stats.latest.completed.id >= restoredId + 2 ? stats : undefined;
        });
        expect(after.latest.completed.external_path).toContain(checkpointsDir);
        const job = await getJson(`${stable}/jobs/${jobId}`);
        expect(job.state).toBe("RUNNING");
        expect(job.timestamps.RESTARTING).toBe(restartsBefore);
        console.log(`ZooKeeper overrides: ${ZOO_CFG_OVERRIDES.join(", ")}; config.yaml overrides: ${OVERRIDDEN_KEYS.join(", ")}`);
      } catch (error) {
        throw new Error(`${String(error instanceof Error ? error.stack : error)}\n${logTails(work)}`);
      } finally {
        clearTimeout(restartTimer);
        balancer?.close();
        await network.cleanup();
        fs.rmSync(work, { recursive: true, force: true });
      }
    },
    TEST_TIMEOUT_MS,
  );
});
