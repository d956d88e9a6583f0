import { ChildProcess } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Testing } from "cdktf";
import { parse } from "yaml";
import { PRODUCTION_VERSION, productionEc2Example } from "../examples/production/main";
import { MONITORING_FILES } from "../lib";
import { main as savepointCommand } from "../lib/cli/savepoint";
import { RESTART_SEC } from "../lib/targets/ec2/cloud-init";
import { localDirectoryOverrides, logTails, probeMaxCount, startFlinkProcess, submitProbeJob } from "./helpers/flink-processes";
import { instanceTags, prometheusForEc2, prometheusProblem, unreadableByRules } from "./helpers/prometheus";
import { FlinkReadConfig, describeWithRealFlink, flinkLayout, probeReport } from "./helpers/real-flink";
import { renderedClusters, renderedEnsembles } from "./helpers/rendered";
import { TestHost, TestNetwork, waitFor } from "./helpers/test-hosts";
import { httpsGet, httpsJson, makeCa, makeLeaf, setUpNodeTls, tlsToolsProblem, writeSecret } from "./helpers/tls-pki";
import { clientPort, serverMode, startEnsemble, zookeeperProblem } from "./helpers/zookeeper";

/**
 * examples/production on EC2, end to end on real Flink, from its rendered files: the three-server
 * ZooKeeper ensemble (zoo.cfg, myid), two JobManagers and four TaskManagers of the seed's size (16 slots,
 * 8192m, a 4096m JobManager heap; four TaskManagers, as the example runs), each node's TLS stores built by flink-tls-setup.sh from PEM secrets
 * (as the EC2 nodes do from Secrets Manager), Prometheus with the rendered scrape configuration and
 * alert rules. The probe job checkpoints into the shared durable folder; kill -9 of the leading
 * JobManager hands the job to the standby, which restores the latest checkpoint; `cdktf-flink savepoint
 * --stop` over https stops it with a savepoint; the job submitted again by Flink's client with the
 * restore path (what `restore` renders: execution.state-recovery.path) resumes
 * from exactly that savepoint, its keyed counts intact.
 *
 * Overridden, and only these: OVERRIDDEN_KEYS (addresses, the quorum's addresses, local folders, S3 as a
 * shared file:// folder), and the TLS store folder (one per process; the stores' passwords are the
 * script's). The certificates are obviously fake, made with openssl here.
 */

const LINE = PRODUCTION_VERSION.line!;
const STACK = "production-ec2";
const CLUSTER = "production";
const TEST_TIMEOUT_MS = 9 * 60 * 1000;
const WAIT_BUDGET_MS = 8 * 60 * 1000;
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

const describeFlink = describeWithRealFlink("examples/production end to end (test/flink-production-real.test.ts)", [LINE], zookeeperProblem() ?? prometheusProblem() ?? tlsToolsProblem());

type Role = "jobmanager" | "taskmanager";

describeFlink("examples/production on EC2, on real Flink", () => {
  test(
    `Flink ${LINE}: ZooKeeper HA survives kill -9 of the leading JobManager, over TLS, scraped by Prometheus with the rendered rules; a savepoint is taken and restored`,
    async () => {
      const layout = flinkLayout(LINE);
      const work = fs.mkdtempSync(path.join(os.tmpdir(), "cdktf-flink-production-"));
      const network = new TestNetwork("prod");
      const budgetEnd = Date.now() + WAIT_BUDGET_MS;
      const wait = <T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>) => waitFor(what, Math.max(0, Math.min(timeoutMs, budgetEnd - Date.now())), probe);
      const figures: string[] = [];
      let restartTimer: NodeJS.Timeout | undefined;
      try {
        const rendered = renderedClusters().find((c) => c.name === `${STACK}/${CLUSTER}`)!;
        const ensemble = renderedEnsembles().find((e) => e.name === `${STACK}/zookeeper`)!;
        const jobManagers = [1, 2].map((i) => ({ name: `jobmanager-${i}`, host: network.addHost(`jm${i}`), child: undefined as unknown as ChildProcess }));
        const taskManagers = [1, 2, 3, 4].map((i) => ({ name: `taskmanager-${i}`, host: network.addHost(`tm${i}`) }));

        // The fake PKI: one CA, one node certificate for every host (Flink's internal TLS is mutual).
        const pki = path.join(work, "pki");
        fs.mkdirSync(pki);
        const ca = await makeCa(pki, "ca", "/O=cdktf-flink test (fake)/CN=Fake Production CA");
        const hosts = [...jobManagers, ...taskManagers].map((p) => p.host);
        const node = await makeLeaf(pki, "node", "/O=cdktf-flink test (fake)/CN=flink-node", ca, [
          "basicConstraints=critical,CA:FALSE",
          "keyUsage=critical,digitalSignature,keyEncipherment",
          "extendedKeyUsage=serverAuth,clientAuth",
          `subjectAltName=${[...hosts.map((h) => `IP:${h.address}`), "IP:127.0.0.1"].join(",")}`,
        ]);
        const secret = writeSecret(path.join(work, "secret"), { ...node, ca: ca.crt });
        const names = [...jobManagers.map((p) => p.name), ...taskManagers.map((p) => p.name), "client"];
        const confs = Object.fromEntries(await Promise.all(names.map(async (name) => [name, await setUpNodeTls(path.join(work, name), rendered, { internal: secret, rest: secret })] as const)));
        const read = (await probeReport(layout, names.map((n) => confs[n]))).configs;
        const config = (name: string): FlinkReadConfig => read[names.indexOf(name)];
        for (const name of names) expect(config(name).error).toBeUndefined();
        const value = (key: string) => config("jobmanager-1").values?.[key]?.value as string | undefined;
        // Flink reads the production settings as rendered: HA, TLS, the seed's sizes and RocksDB tuning.
        expect(value("high-availability.type")).toBe("zookeeper");
        expect(value("security.ssl.internal.enabled")).toBe(true);
        expect(value("security.ssl.rest.enabled")).toBe(true);
        expect(Number(value("taskmanager.numberOfTaskSlots"))).toBe(16);
        expect(value("state.backend.rocksdb.writebuffer.count")).toBe(3);
        expect(value("restart-strategy.type")).toBe("exponential-delay");
        const restPort = Number(value("rest.port"));
        const metricsPort = Number(value("metrics.reporter.prom.port"));

        const zkPort = clientPort(ensemble.zooCfg);
        const zookeepers = startEnsemble(network, ensemble.zooCfg, ensemble.myids, work);
        const quorum = zookeepers.map((s) => `${s.host.address}:${zkPort}`).join(",");
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
        const start = (host: TestHost, kind: Role, name: string, conf = name): ChildProcess =>
          startFlinkProcess({ network, host, kind, name, layout, conf: confs[conf], config: config(conf), overrides: overrides(host, name), work });
        await wait("a ZooKeeper leader", 60_000, async () => ((await Promise.all(zookeepers.map((s) => serverMode(s.host.address, zkPort)))).includes("leader") ? true : undefined));
        for (const jm of jobManagers) jm.child = start(jm.host, "jobmanager", jm.name);
        for (const tm of taskManagers) start(tm.host, "taskmanager", tm.name);

        const tags = instanceTags(JSON.parse(Testing.synth(productionEc2Example(Testing.app()))));
        const instances = [
          ...jobManagers.map((jm, i) => ({ host: jm.host, role: "jobmanager" as const, instanceId: `i-00000000000000a${i}` })),
          ...taskManagers.map((tm, i) => ({ host: tm.host, role: "taskmanager" as const, instanceId: `i-00000000000000b${i}` })),
        ];
        const prometheus = prometheusForEc2(network, network.addHost("prom"), path.join(work, "prometheus"), rendered.files, tags, instances, metricsPort);

        // REST only over https, verified with the CA.
        const withCa = { ca: fs.readFileSync(ca.crt) };
        const get = (url: string) => httpsJson(url, withCa);
        const rest = (jm: { host: TestHost }) => `https://${jm.host.address}:${restPort}`;
        const startedAt = Date.now();
        await wait("4 TaskManagers of 16 slots registered over TLS", 240_000, async () => {
          const o = await get(`${rest(jobManagers[0])}/overview`);
          return o.taskmanagers === 4 && o["slots-total"] === 64 ? o : undefined;
        });
        figures.push(`cluster up (2 JobManagers, 4 TaskManagers registered over TLS) ${((Date.now() - startedAt) / 1000).toFixed(1)} s`);
        expect((await httpsGet(`${rest(jobManagers[0])}/overview`, withCa)).protocol).toBe("TLSv1.3");
        await expect(fetch(`http://${jobManagers[0].host.address}:${restPort}/overview`, { signal: AbortSignal.timeout(5000) })).rejects.toThrow();
        const registered = (await get(`${rest(jobManagers[0])}/taskmanagers`)).taskmanagers;
        for (const t of registered) expect(t.path).toMatch(/^pekko\.ssl\.tcp:\/\//);

        // Flink's client with its own stores, as the cluster's submitJob output runs it (https:// in -m:
        // without the scheme the client speaks http). It finds the leader through ZooKeeper.
        const clientOverrides = (extra: Record<string, string> = {}) => ({
          ...Object.fromEntries(Object.entries(overrides(jobManagers[0].host, "client")).filter(([key]) => /^(high-availability|execution\.checkpointing)\.|^state\.backend\.rocksdb\.localdir$/.test(key))),
          ...extra,
        });
        const jobId = await submitProbeJob(layout, confs.client, config("client"), rest(jobManagers[0]), clientOverrides());
        const isRunning = (j: any) => j.state === "RUNNING" && j.vertices.every((v: any) => v.status === "RUNNING");
        await wait("the job running with a completed checkpoint", 180_000, async () => {
          const j = await get(`${rest(jobManagers[0])}/jobs/${jobId}`);
          const stats = await get(`${rest(jobManagers[0])}/jobs/${jobId}/checkpoints`);
          return isRunning(j) && stats.counts.completed >= 1 ? stats : undefined;
        });

        // Prometheus: every process a target with the rendered labels, every rule loaded and evaluating,
        // everything the rules and dashboard read exposed, and no alert once the cluster is healthy.
        const up = await wait("6 targets up", 90_000, async () => {
          const series = await prometheus.query(`up{job="flink-${CLUSTER}"} == 1`);
          return series.length === 6 ? series.map((s) => s.metric) : undefined;
        });
        expect(up.map((m) => m.component).sort()).toEqual(["jobmanager", "jobmanager", "taskmanager", "taskmanager", "taskmanager", "taskmanager"]);
        const rules = parse(rendered.files[MONITORING_FILES.rules]).groups.flatMap((g: any) => g.rules) as Array<{ alert: string; labels: Record<string, string> }>;
        expect(rules.every((r) => r.labels.team === "streaming")).toBe(true);
        expect(await unreadableByRules(prometheus, rendered.files, LINE, (what, probe) => wait(what, 120_000, probe))).toEqual({ unparsable: [], missingMetrics: [], missingLabels: [] });
        const loaded = await wait("every rule evaluated", 60_000, async () => {
          const r = await prometheus.rules();
          return r.length === rules.length && r.every((x) => x.health === "ok") ? r : undefined;
        });
        expect(loaded.map((r) => r.name).sort()).toEqual(rules.map((r) => r.alert).sort());
        await wait("no alert pending or firing on the healthy cluster", 90_000, async () => ((await prometheus.alerts()).length === 0 ? true : undefined)).catch(async (error) => {
          throw new Error(`${error}: ${(await prometheus.alerts()).map((a) => `${a.labels.alertname} ${a.state}`).join(", ")}`);
        });

        // kill -9 of the leader, the JobManager that runs the job (only it reports the job's metrics).
        const runsJob = async (host: TestHost) => {
          try {
            return /^flink_jobmanager_job_uptime\{/m.test(await (await fetch(`http://${host.address}:${metricsPort}/metrics`, { signal: AbortSignal.timeout(5000) })).text());
          } catch {
            return false;
          }
        };
        const leader = await wait("the leading JobManager", 60_000, async () => {
          const running = await Promise.all(jobManagers.map((jm) => runsJob(jm.host)));
          return running.filter(Boolean).length === 1 ? jobManagers[running.indexOf(true)] : undefined;
        });
        const standby = jobManagers.find((jm) => jm !== leader)!;
        const lastCompleted: number = (await get(`${rest(standby)}/jobs/${jobId}/checkpoints`)).latest.completed.id;
        await network.kill(leader.child);
        const killedAt = Date.now();
        restartTimer = setTimeout(() => {
          leader.child = start(leader.host, "jobmanager", `${leader.name}-restarted`, leader.name);
        }, RESTART_SEC * 1000);
        const recovered = await wait("the job running again on the standby, restored from a checkpoint", 240_000, async () => {
          const j = await get(`${rest(standby)}/jobs/${jobId}`).catch(() => undefined);
          if (!j || !isRunning(j)) return undefined;
          const stats = await get(`${rest(standby)}/jobs/${jobId}/checkpoints`);
          return stats.latest.restored && (await runsJob(standby.host)) ? { stats, at: Date.now() } : undefined;
        });
        figures.push(`JobManager failover (kill -9 of the leader to the job RUNNING on the standby) ${((recovered.at - killedAt) / 1000).toFixed(1)} s`);
        expect(recovered.stats.latest.restored.id).toBeGreaterThanOrEqual(lastCompleted);
        expect(recovered.stats.latest.restored.external_path).toContain(checkpointsDir);
        expect((await get(`${rest(standby)}/jobs`)).jobs).toEqual([{ id: jobId, status: "RUNNING" }]);

        // A savepoint with the stop, over https with the CA, as an operator runs it before an upgrade.
        const countBefore = await wait("keyed counts reported", 90_000, () => probeMaxCount(get, rest(standby), jobId));
        const out = path.join(work, "savepoints.json");
        const caFile = ca.crt;
        const stopStarted = Date.now();
        expect(await savepointCommand(["--rest-url", rest(standby), "--ca-file", caFile, "--stop", "--timeout", "120", "--out", out])).toBe(0);
        figures.push(`savepoint with stop (cdktf-flink savepoint --stop over https) ${((Date.now() - stopStarted) / 1000).toFixed(1)} s`);
        const [savepoint] = JSON.parse(fs.readFileSync(out, "utf8")).savepoints;
        expect(savepoint).toMatchObject({ jobId, stopped: true, location: expect.stringContaining(`${durable}/savepoints/savepoint-`) });

        // The job again, from exactly that savepoint (what `restore` renders: execution.state-recovery.path).
        const restoreStarted = Date.now();
        const restored = await submitProbeJob(layout, confs.client, config("client"), rest(standby), clientOverrides({ "execution.state-recovery.path": savepoint.location }));
        const stats = await wait("the restored job running", 120_000, async () => {
          const j = await get(`${rest(standby)}/jobs/${restored}`);
          const s = await get(`${rest(standby)}/jobs/${restored}/checkpoints`);
          return isRunning(j) && s.latest?.restored ? s : undefined;
        });
        figures.push(`restore from the savepoint (submit to RUNNING) ${((Date.now() - restoreStarted) / 1000).toFixed(1)} s`);
        expect(stats.latest.restored).toMatchObject({ is_savepoint: true, external_path: savepoint.location });
        expect(await wait("keyed counts reported", 60_000, () => probeMaxCount(get, rest(standby), restored))).toBeGreaterThanOrEqual(countBefore);
        // logging.format "json": every line of every process's log file (what the CloudWatch agent ships) is
        // one JSON object, stack traces inside it.
        const records = fs
          .readdirSync(work)
          .filter((f) => /^(jobmanager|taskmanager)-[\w-]+\.log$/.test(f))
          .flatMap((f) => fs.readFileSync(path.join(work, f), "utf8").split("\n").filter(Boolean).map((line) => ({ f, line })));
        const unparsable = records.filter(({ line }) => {
          try {
            return typeof JSON.parse(line).message !== "string";
          } catch {
            return true;
          }
        });
        expect(unparsable.slice(0, 3)).toEqual([]);
        expect(records.length).toBeGreaterThan(500);
        expect(records.some(({ line }) => /"exception":"[^"]*\\n\\tat /.test(line))).toBe(true);
        figures.push(`${records.length} JSON log lines, every one parsed`);
        console.log(`Flink ${LINE}, examples/production on EC2:\n  ${figures.join("\n  ")}\nconfig.yaml overrides: ${OVERRIDDEN_KEYS.join(", ")}`);
      } catch (error) {
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
