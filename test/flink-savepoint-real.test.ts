import { ChildProcess } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { TerraformStack, Testing } from "cdktf";
import { FlinkCluster, FlinkClusterProps, FlinkVersion, RestoreSettings, StateBackend } from "../lib";
import { main as savepointCommand } from "../lib/cli/savepoint";
import { getJson, localDirectoryOverrides, logTails, probeMaxCount, startFlinkProcess, submitProbeJob, writeRenderedConf } from "./helpers/flink-processes";
import { FlinkLayout, describeWithRealFlink, flinkLayout, probeReport } from "./helpers/real-flink";
import { TestHost, TestNetwork, testHostsProblem, waitFor } from "./helpers/test-hosts";

/**
 * The upgrade path with real Flink, 1.20 to 2.3: a Flink 1.20 session cluster of ours runs the probe
 * job (keyed counts in RocksDB); `cdktf-flink savepoint --stop` stops it with a savepoint; a Flink 2.3
 * cluster is started from the configuration rendered for 2.3 with `restore` set to that savepoint, the
 * job is submitted again with Flink 2.3's client reading that configuration, and it restores from
 * exactly that savepoint (the checkpoint statistics say so) with its keyed state intact (the counts
 * continue).
 */

const FROM = "1.20";
const TO = "2.3";
const TEST_TIMEOUT_MS = 6 * 60 * 1000;
const WAIT_BUDGET_MS = 5 * 60 * 1000;

const describeFlink = describeWithRealFlink("Flink savepoint and restore test (test/flink-savepoint-real.test.ts)", [FROM, TO], testHostsProblem());

/** The cluster's settings; the upgraded one adds `restore`. */
function rendered(version: FlinkVersion, restore?: RestoreSettings): FlinkCluster {
  const props: FlinkClusterProps = {
    version,
    jobManager: { memory: { process: "1g" } },
    taskManager: { slots: 2, memory: { process: "1500m" } },
    parallelism: 2,
    checkpointing: { interval: "10 s", mode: "EXACTLY_ONCE", externalizedRetention: "RETAIN_ON_CANCELLATION" },
    stateBackend: StateBackend.rocksdb(),
    restore,
  };
  return new FlinkCluster(new TerraformStack(Testing.app(), "savepoints"), "orders", props);
}

describeFlink(`savepoint --stop on Flink ${FROM}, restore on Flink ${TO}`, () => {
  test(
    "the job stops with a savepoint, and the upgraded cluster with restore resumes it from exactly that savepoint, counts intact",
    async () => {
      const layouts: Record<string, FlinkLayout> = { [FROM]: flinkLayout(FROM), [TO]: flinkLayout(TO) };
      const work = fs.mkdtempSync(path.join(os.tmpdir(), "cdktf-flink-savepoint-"));
      const network = new TestNetwork("sp");
      const budgetEnd = Date.now() + WAIT_BUDGET_MS;
      const wait = <T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>) => waitFor(what, Math.max(0, Math.min(timeoutMs, budgetEnd - Date.now())), probe);
      const durable = path.join(work, "durable");
      const processes: ChildProcess[] = [];
      try {
        const jm = network.addHost("jm");
        const tm = network.addHost("tm");
        const rest = `http://${jm.address}:8081`;
        const overrides = (host: TestHost, role: string) => ({
          "jobmanager.rpc.address": jm.address,
          "rest.address": jm.address,
          "taskmanager.host": host.address,
          ...localDirectoryOverrides(work, role),
          "execution.checkpointing.dir": `file://${durable}/checkpoints`,
          "execution.checkpointing.savepoint-dir": `file://${durable}/savepoints`,
        });
        /** Starts a JobManager and a TaskManager from one rendered configuration; returns the conf dir and Flink's reading of it. */
        const startCluster = async (name: string, cluster: FlinkCluster) => {
          const layout = layouts[cluster.version.version];
          const dir = path.join(work, name);
          fs.mkdirSync(dir);
          const conf = writeRenderedConf(dir, { configYaml: cluster.configYaml, log4jProperties: cluster.log4jProperties });
          const config = (await probeReport(layout, [conf])).configs[0];
          expect(config.error).toBeUndefined();
          for (const [host, kind] of [[jm, "jobmanager"], [tm, "taskmanager"]] as const) {
            processes.push(startFlinkProcess({ network, host, kind, name: `${name}-${kind}`, layout, conf, config, overrides: overrides(host, `${name}-${kind}`), work }));
          }
          await wait(`${name}: the TaskManager registered`, 90_000, async () => ((await getJson(`${rest}/overview`)).taskmanagers === 1 ? true : undefined));
          return { conf, config, layout };
        };
        const running = (jobId: string) =>
          wait(`job ${jobId} running`, 90_000, async () => {
            const j = await getJson(`${rest}/jobs/${jobId}`);
            return j.state === "RUNNING" && j.vertices.every((v: any) => v.status === "RUNNING") ? j : undefined;
          });

        // 1. The cluster as first deployed, and the job counting.
        const first = await startCluster("before", rendered(FlinkVersion.V1_20));
        const jobId = await submitProbeJob(first.layout, first.conf, first.config, `${jm.address}:8081`, overrides(jm, "client-before"));
        await running(jobId);
        const countBefore = await wait("keyed counts above 20", 90_000, async () => {
          const value = await probeMaxCount(getJson, rest, jobId);
          return value !== undefined && value > 20 ? value : undefined;
        });

        // 2. cdktf-flink savepoint --stop, as an operator runs it before an upgrade.
        const out = path.join(work, "savepoints.json");
        const code = await savepointCommand(["--rest-url", rest, "--stop", "--timeout", "120", "--out", out]);
        expect(code).toBe(0);
        const written = JSON.parse(fs.readFileSync(out, "utf8"));
        expect(written.savepoints).toHaveLength(1);
        const [savepoint] = written.savepoints;
        expect(savepoint).toMatchObject({ jobId, stopped: true, location: expect.stringContaining(`${durable}/savepoints/savepoint-`) });
        expect(fs.existsSync(path.join(new URL(savepoint.location).pathname, "_metadata"))).toBe(true);
        expect((await getJson(`${rest}/jobs/${jobId}`)).state).toBe("FINISHED");
        // A job that is not running is refused, by name.
        expect(await savepointCommand(["--rest-url", rest, "--job", jobId, "--out", path.join(work, "none.json")])).toBe(1);

        // 3. The cluster replaced by Flink 2.3 (as the upgrade's apply replaces it), rendered with restore.
        for (const child of processes.splice(0)) await network.kill(child);
        const after = rendered(FlinkVersion.V2_3, { path: savepoint.location });
        expect(after.configuration.entries.get("execution.state-recovery.path")).toBe(savepoint.location);
        const second = await startCluster("after", after);
        const restoredJob = await submitProbeJob(second.layout, second.conf, second.config, `${jm.address}:8081`, overrides(jm, "client-after"));
        await running(restoredJob);
        expect((await getJson(`${rest}/config`))["flink-version"]).toMatch(/^2\.3\./);
        const stats = await wait("the restore in the checkpoint statistics", 60_000, async () => {
          const s = await getJson(`${rest}/jobs/${restoredJob}/checkpoints`);
          return s.latest?.restored ? s : undefined;
        });
        expect(stats.latest.restored).toMatchObject({ is_savepoint: true, external_path: savepoint.location });
        // Keyed state intact: the counts go on from where the savepoint left them, not from 1.
        const countAfter = await wait("keyed counts reported", 60_000, () => probeMaxCount(getJson, rest, restoredJob));
        expect(countAfter).toBeGreaterThanOrEqual(countBefore);
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
