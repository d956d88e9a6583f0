import { ChildProcess } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { KubernetesProvider } from "@cdktf/provider-kubernetes/lib/provider";
import { App, TerraformStack } from "cdktf";
import { FlinkCluster, FlinkTarget, FlinkVersion, KubernetesMode, RestartStrategy } from "../lib";
import { dynamicProperties, getJson, javaOpts, localDirectoryOverrides, logTails, writeRenderedConf } from "./helpers/flink-processes";
import { FlinkLayout, FlinkReadConfig, describeWithRealFlink, dynamicConfigs, flinkLayout, probeReport } from "./helpers/real-flink";
import { TestHost, TestNetwork, testHostsProblem, waitFor } from "./helpers/test-hosts";

/**
 * Reactive mode on real Flink: an application cluster rendered by our FlinkCluster (a Kubernetes target
 * in application mode, scheduler "reactive"), run as standalone-job.sh runs it: Flink's
 * StandaloneApplicationClusterEntryPoint with the probe job, and TaskManagerRunners, each in its own
 * network namespace. The job starts on one TaskManager with that TaskManager's slots as its parallelism,
 * grows when a second TaskManager registers, and shrinks back, still RUNNING, when that TaskManager is
 * stopped as Kubernetes stops a pod (SIGTERM) when the autoscaler scales down.
 *
 * One Flink line (2.3: the newest, whose rescales wait for a checkpoint, so the rendered 2.x keys are
 * what makes it quick). Keys overridden on the command line, config.yaml staying as rendered: the
 * addresses (the Kubernetes Service names do not resolve here), local directories and the checkpoint
 * directory.
 */

const LINE = "2.3";
const SLOTS = 2;
const MAX_PARALLELISM = 8;
const TEST_TIMEOUT_MS = 4 * 60 * 1000;
const WAIT_BUDGET_MS = 3 * 60 * 1000;
const ENTRY_POINT = "org.apache.flink.container.entrypoint.StandaloneApplicationClusterEntryPoint";

const describeFlink = describeWithRealFlink("Flink reactive mode test (test/flink-reactive-real.test.ts)", [LINE], testHostsProblem());

/** The application cluster as our library renders it: reactive mode, quick rescales, an autoscaler of 1-2 TaskManagers. */
function renderApplication(outdir: string): FlinkCluster {
  const app = new App({ outdir });
  const stack = new TerraformStack(app, "reactive");
  new KubernetesProvider(stack, "kubernetes", {});
  return new FlinkCluster(stack, "orders", {
    version: FlinkVersion.V2_3,
    target: FlinkTarget.kubernetes({
      namespace: { name: "flink" },
      image: "flink:2.3.0-java17",
      mode: KubernetesMode.application({ entryClass: "ProbeJob" }),
      taskManagers: { replicas: 1, autoscaling: { minReplicas: 1, maxReplicas: 2, targetCpuUtilization: 70 } },
    }),
    jobManager: { memory: { process: "1g" } },
    taskManager: { slots: SLOTS, memory: { process: "1280m" } },
    scheduler: "reactive",
    maxParallelism: MAX_PARALLELISM,
    // 2.x rescales a running job after its next completed checkpoint.
    checkpointing: { interval: "2 s" },
    restartStrategy: RestartStrategy.fixedDelay({ attempts: 1000, delay: "1 s" }),
    adaptiveScheduler: { resourceStabilizationTimeout: "1 s", cooldownAfterRescaling: "1 s", rescaleStabilizationTimeout: "1 s" },
  });
}

/** The JVM of one Flink process: BashJavaUtils' flags and -D memory options, env.java.*, log4j, then the main class. */
function javaArgs(config: FlinkReadConfig, role: "jobmanager" | "taskmanager", conf: string, work: string, name: string): string[] {
  const params = role === "jobmanager" ? config.jobManager : config.taskManager;
  if (params.error) throw new Error(`BashJavaUtils refused the rendered config: ${params.error}`);
  const log4j = path.join(conf, "log4j-console.properties");
  return [...params.jvmArgs!.split(/\s+/), ...javaOpts(config, role), `-Dlog.file=${path.join(work, `${name}.log`)}`, `-Dlog4j.configuration=file:${log4j}`, `-Dlog4j.configurationFile=file:${log4j}`];
}

describeFlink("reactive mode on real Flink", () => {
  test(
    `Flink ${LINE}: an application cluster in reactive mode rescales when a TaskManager is added and when one is removed`,
    async () => {
      const started = Date.now();
      const layout: FlinkLayout = flinkLayout(LINE);
      const work = fs.mkdtempSync(path.join(os.tmpdir(), `cdktf-flink-reactive-${LINE}-`));
      const network = new TestNetwork("rx");
      const budgetEnd = Date.now() + WAIT_BUDGET_MS;
      const wait = <T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>) => waitFor(what, Math.max(0, Math.min(timeoutMs, budgetEnd - Date.now())), probe, 500);
      const marks: string[] = [];
      const mark = (what: string) => marks.push(`${((Date.now() - started) / 1000).toFixed(1)} s ${what}`);
      try {
        const cluster = renderApplication(path.join(work, "synth"));
        expect(cluster.configYaml).toContain("scheduler-mode: reactive\n");
        const conf = writeRenderedConf(work, cluster);
        const config = (await probeReport(layout, [conf])).configs[0];
        expect(config.error).toBeUndefined();
        // Flink reads our keys as its own options.
        const read = (key: string) => config.values?.[key];
        expect(read("scheduler-mode")).toMatchObject({ option: "org.apache.flink.configuration.JobManagerOptions.SCHEDULER_MODE", value: "REACTIVE" });
        expect(read("jobmanager.adaptive-scheduler.executing.resource-stabilization-timeout")).toMatchObject({ option: expect.stringMatching(/^org\.apache\.flink\.configuration\.JobManagerOptions\./), value: 1000 });
        mark("rendered and read");

        const jm = network.addHost("jm");
        const tmHosts = [network.addHost("tm1"), network.addHost("tm2")];
        const rest = `http://${jm.address}:8081`;
        const checkpoints = path.join(work, "durable", "checkpoints");
        fs.mkdirSync(checkpoints, { recursive: true });
        const overrides = (host: TestHost, name: string) => ({
          "jobmanager.rpc.address": jm.address,
          "rest.address": jm.address,
          "taskmanager.host": host.address,
          ...localDirectoryOverrides(work, name),
          "execution.checkpointing.dir": `file://${checkpoints}`,
        });
        const env = { ...process.env, FLINK_CONF_DIR: conf, FLINK_PLUGINS_DIR: layout.pluginsDir };
        // The image's /opt/flink/usrlib: the entry point finds it beside FLINK_LIB_DIR, loads --job-classname
        // from its jars and ships them to the TaskManagers with the job (on the classpath instead, the
        // TaskManagers could not load the job's classes).
        const flinkHome = path.join(work, "flink-home");
        fs.mkdirSync(path.join(flinkHome, "lib"), { recursive: true });
        fs.mkdirSync(path.join(flinkHome, "usrlib"));
        fs.copyFileSync(layout.jobJar, path.join(flinkHome, "usrlib", "probe-job.jar"));
        network.start(
          jm,
          "java",
          [
            ...javaArgs(config, "jobmanager", conf, work, "jobmanager"),
            "-classpath",
            layout.classpath.join(path.delimiter),
            ENTRY_POINT,
            "--configDir",
            conf,
            "--job-classname",
            "ProbeJob",
            ...dynamicProperties(dynamicConfigs(config.jobManager.dynamicConfigs!)),
            ...dynamicProperties(overrides(jm, "jobmanager")),
          ],
          { env: { ...env, FLINK_LIB_DIR: path.join(flinkHome, "lib") }, logFile: path.join(work, "jobmanager.out") },
        );
        const startTaskManager = (i: number): ChildProcess =>
          network.start(
            tmHosts[i],
            "java",
            [
              ...javaArgs(config, "taskmanager", conf, work, `taskmanager-${i + 1}`),
              "-classpath",
              layout.classpath.join(path.delimiter),
              "org.apache.flink.runtime.taskexecutor.TaskManagerRunner",
              "--configDir",
              conf,
              ...dynamicProperties(dynamicConfigs(config.taskManager.dynamicConfigs!)),
              ...dynamicProperties(overrides(tmHosts[i], `taskmanager-${i + 1}`)),
            ],
            { env, logFile: path.join(work, `taskmanager-${i + 1}.out`) },
          );
        startTaskManager(0);

        const jobId = await wait("the application's job", 60_000, async () => (await getJson(`${rest}/jobs`)).jobs?.[0]?.id as string | undefined);
        const runningAt = (parallelism: number, what: string) =>
          wait(what, 90_000, async () => {
            const job = await getJson(`${rest}/jobs/${jobId}`);
            const running = job.state === "RUNNING" && job.vertices.every((v: any) => v.status === "RUNNING");
            return running && job.vertices.every((v: any) => v.parallelism === parallelism) ? job : undefined;
          });

        const first = await runningAt(SLOTS, `the job running on one TaskManager's ${SLOTS} slots`);
        mark("running on 1 TaskManager");
        expect(first.vertices.map((v: any) => v.maxParallelism)).toEqual(first.vertices.map(() => MAX_PARALLELISM));
        const jmConfig = Object.fromEntries(((await getJson(`${rest}/jobmanager/config`)) as Array<{ key: string; value: string }>).map((e) => [e.key, e.value]));
        expect(jmConfig["scheduler-mode"]).toBe("reactive");

        const second = startTaskManager(1);
        await wait("2 TaskManagers registered", 60_000, async () => ((await getJson(`${rest}/overview`)).taskmanagers === 2 ? true : undefined));
        const grown = await runningAt(2 * SLOTS, `the job rescaled to both TaskManagers' ${2 * SLOTS} slots`);
        mark("rescaled up to 2 TaskManagers");
        expect(grown.vertices.map((v: any) => v.parallelism)).toEqual(grown.vertices.map(() => 2 * SLOTS));

        // Scale down as Kubernetes deletes a pod: SIGTERM, and the TaskManager shuts down.
        const exited = new Promise<void>((resolve) => second.once("exit", () => resolve()));
        second.kill("SIGTERM");
        await exited;
        mark("second TaskManager stopped");
        const shrunk = await runningAt(SLOTS, "the job rescaled back to one TaskManager and RUNNING");
        mark("rescaled down to 1 TaskManager");
        expect(shrunk.state).toBe("RUNNING");
        // Each rescale restored the job from its latest checkpoint, into the same directory.
        const stats = await getJson(`${rest}/jobs/${jobId}/checkpoints`);
        expect(stats.latest.restored?.external_path).toContain(checkpoints);
        console.log(`reactive mode on Flink ${layout.release}: ${marks.join("; ")}`);
      } catch (error) {
        throw new Error(`${String(error instanceof Error ? error.stack : error)}\n${marks.join("\n")}\n${logTails(work)}`);
      } finally {
        await network.cleanup();
        fs.rmSync(work, { recursive: true, force: true });
      }
    },
    TEST_TIMEOUT_MS,
  );
});
