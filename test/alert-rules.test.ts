import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { stringify } from "yaml";
import { FlinkConfigError } from "../lib/config/problems";
import {
  AlertRuleOptions,
  PrometheusRule,
  PrometheusRuleGroup,
  alertRuleGroup,
  checkAlertRuleOptions,
  describeAlertRules,
  formatPrometheusDuration,
  parsePrometheusDuration,
} from "../lib/monitoring/alert-rules";
import { flinkMetricNames } from "../lib/monitoring/metric-names";
import { ALERT_NAMES, FlinkAlertName, MonitoredCluster } from "../lib/monitoring/monitored-cluster";
import { parsePromQL } from "./helpers/promql";
import { PROMTOOL, describeWithPrometheus } from "./helpers/prometheus";

/** A session cluster on EC2: 2 TaskManagers × 2 slots, checkpoints every minute with a 3 minute timeout. */
const SESSION: MonitoredCluster = {
  clusterName: "orders",
  flinkVersion: "1.20.1",
  versionLine: "1.20",
  target: "ec2",
  mode: "session",
  jobManagers: 1,
  taskManagers: 2,
  slotsPerTaskManager: 2,
  checkpointing: { intervalMs: 60_000, timeoutMs: 180_000 },
  metricsPort: 9249,
};

/** An HA application cluster on Kubernetes on the 2.x line, checkpointing every 10 minutes. */
const APPLICATION: MonitoredCluster = {
  clusterName: "billing",
  flinkVersion: "2.3.0",
  versionLine: "2.3",
  target: "kubernetes",
  mode: "application",
  namespace: "flink",
  jobManagers: 2,
  taskManagers: 2,
  slotsPerTaskManager: 2,
  checkpointing: { intervalMs: 600_000, timeoutMs: 600_000 },
  metricsPort: 9249,
};

function rule(group: PrometheusRuleGroup, name: FlinkAlertName): PrometheusRule {
  const found = group.rules.find((r) => r.alert === name);
  if (!found) throw new Error(`${name} is not in ${group.rules.map((r) => r.alert).join(", ")}`);
  return found;
}

function alertNames(group: PrometheusRuleGroup): string[] {
  return group.rules.map((r) => r.alert);
}

describe("alertRuleGroup", () => {
  test("renders every alert for a checkpointing session cluster, in ALERT_NAMES order, named after the cluster", () => {
    const group = alertRuleGroup(SESSION);
    expect(group.name).toBe("flink-orders");
    expect(alertNames(group)).toEqual([...ALERT_NAMES]);
  });

  test.each([SESSION, APPLICATION, { ...SESSION, versionLine: "2.3", flinkVersion: "2.3.0" }, { ...APPLICATION, versionLine: "1.20", flinkVersion: "1.20.1" }])(
    "every selector of $mode cluster $clusterName ($versionLine) names its cluster, and only known metrics",
    (cluster) => {
      const names = flinkMetricNames(cluster.versionLine);
      const known = new Set(["up", ...Object.values(names).filter((v): v is string => typeof v === "string"), ...(["jobmanager", "taskmanager"] as const).flatMap((role) => [names.heapUsed(role), names.heapMax(role)])]);
      for (const r of alertRuleGroup(cluster, { minFreeSlots: 1 }).rules) {
        const parsed = parsePromQL(r.expr);
        expect({ alert: r.alert, errors: parsed.errors }).toEqual({ alert: r.alert, errors: [] });
        expect(parsed.selectors.length).toBeGreaterThan(0);
        for (const selector of parsed.selectors) {
          expect({ alert: r.alert, selector: selector.metric, cluster: selector.matchers.filter((m) => m.label === "cluster") }).toEqual({
            alert: r.alert,
            selector: selector.metric,
            cluster: [{ label: "cluster", op: "=", value: cluster.clusterName }],
          });
          expect(known).toContain(selector.metric);
        }
      }
    },
  );

  test.each(["1.20", "2.3"])("no expression on line %s uses fullRestarts, uptime or downtime (gone or deprecated in 2.x)", (versionLine) => {
    const exprs = alertRuleGroup({ ...SESSION, versionLine }).rules.map((r) => r.expr).join("\n");
    expect(exprs).not.toMatch(/fullRestarts|uptime|downtime/i);
    expect(exprs).toContain(flinkMetricNames(versionLine).jobRestarts);
  });

  test("counters are read with increase(), never delta() or compared cumulatively", () => {
    const names = flinkMetricNames("1.20");
    const group = alertRuleGroup(SESSION);
    expect(group.rules.map((r) => r.expr).join("\n")).not.toMatch(/\bdelta\(|\brate\(/);
    for (const counter of [names.jobRestarts, names.failedCheckpoints, names.completedCheckpoints]) {
      for (const r of group.rules.filter((r) => r.expr.includes(counter))) {
        // Outside increase() a counter may only appear under `offset` (the job-age guard), in absent(), or as
        // the right side of `and on` (the job still exists), never compared by its value.
        const bare = r.expr.replace(
          new RegExp(`increase\\(${counter}\\{[^}]*\\}\\[\\w+\\]\\)|absent\\(${counter}\\{[^}]*\\}\\)|${counter}\\{[^}]*\\} offset \\w+|and on \\([^)]*\\) sum by \\([^)]*\\) \\(${counter}\\{[^}]*\\}\\)$`, "gm"),
          "",
        );
        expect({ alert: r.alert, bare: bare.includes(counter) }).toEqual({ alert: r.alert, bare: false });
      }
    }
  });

  test("checkpoint windows and the slow threshold follow the checkpoint interval and timeout", () => {
    const minute = alertRuleGroup(SESSION);
    expect(rule(minute, "FlinkCheckpointFailing").expr).toContain("[6m])"); // 2 × 1m + 3m + 1m
    expect(rule(minute, "FlinkCheckpointStale").expr).toContain("[6m])");
    expect(rule(minute, "FlinkCheckpointStale").expr).toContain("offset 6m");
    expect(rule(minute, "FlinkCheckpointSlow").expr).toMatch(/ > 60000$/); // min(1m, 3m / 2)
    expect(rule(minute, "FlinkCheckpointSlow").for).toBe("5m");

    const tenMinutes = alertRuleGroup(APPLICATION);
    expect(rule(tenMinutes, "FlinkCheckpointFailing").expr).toContain("[31m])"); // 2 × 10m + 10m + 1m
    expect(rule(tenMinutes, "FlinkCheckpointStale").expr).toContain("[31m])");
    expect(rule(tenMinutes, "FlinkCheckpointSlow").expr).toMatch(/ > 300000$/); // min(10m, 10m / 2)
    expect(rule(tenMinutes, "FlinkCheckpointSlow").for).toBe("20m");

    const odd = alertRuleGroup({ ...SESSION, checkpointing: { intervalMs: 45_000, timeoutMs: 100_500 } });
    expect(rule(odd, "FlinkCheckpointStale").expr).toContain("[4m11s])"); // 90s + 100.5s + 60s, whole seconds up

    const short = alertRuleGroup({ ...SESSION, checkpointing: { intervalMs: 10_000, timeoutMs: 60_000 } });
    expect(rule(short, "FlinkCheckpointStale").expr).toContain("[4m])"); // 20s + 1m + 1m is less than four 1m scrapes
    expect(rule(short, "FlinkCheckpointStale").annotations.description).toContain("at least 4m");

    const descriptions = rule(minute, "FlinkCheckpointStale").annotations.description + rule(minute, "FlinkCheckpointSlow").annotations.description;
    expect(descriptions).toContain("2 × the 1m checkpoint interval + the 3m timeout");
    expect(descriptions).toContain("more than 60000 ms");
  });

  test("a cluster without checkpointing has no checkpoint rules", () => {
    const names = alertNames(alertRuleGroup({ ...SESSION, checkpointing: undefined }));
    expect(names).not.toEqual(expect.arrayContaining(["FlinkCheckpointFailing"]));
    expect(names.filter((n) => n.startsWith("FlinkCheckpoint"))).toEqual([]);
    expect(names).toContain("FlinkJobRestarting");
  });

  test("FlinkTaskManagerLost counts the cluster's TaskManagers over the JobManagers, and is left out for a parked cluster", () => {
    const lost = rule(alertRuleGroup({ ...SESSION, taskManagers: 5 }), "FlinkTaskManagerLost");
    expect(lost.expr).toBe(
      'max by (cluster) (flink_jobmanager_numRegisteredTaskManagers{cluster="orders"}) < 5\nor\nabsent(flink_jobmanager_numRegisteredTaskManagers{cluster="orders"})',
    );
    expect(lost.annotations.description).toContain("Fewer than 5 TaskManagers (the cluster's taskManagers)");
    expect(alertNames(alertRuleGroup({ ...SESSION, taskManagers: 0 }))).not.toContain("FlinkTaskManagerLost");
  });

  test("FlinkJobManagerDown fires on up == 0 and on no JobManager target at all", () => {
    expect(rule(alertRuleGroup(SESSION), "FlinkJobManagerDown").expr).toBe('up{cluster="orders",component="jobmanager"} == 0\nor\nabsent(up{cluster="orders",component="jobmanager"})');
  });

  test("FlinkNoRunningJobs is critical for an application cluster and a warning for a session cluster", () => {
    expect(rule(alertRuleGroup(APPLICATION), "FlinkNoRunningJobs").labels.severity).toBe("critical");
    expect(rule(alertRuleGroup(SESSION), "FlinkNoRunningJobs").labels.severity).toBe("warning");
    expect(rule(alertRuleGroup(SESSION), "FlinkNoRunningJobs").expr).toContain("absent(flink_jobmanager_numRunningJobs{cluster=\"orders\"})");
  });

  test("FlinkSlotsExhausted: 1 free slot for a session cluster, none rendered for an application cluster unless asked", () => {
    const session = rule(alertRuleGroup(SESSION), "FlinkSlotsExhausted");
    expect(session.expr).toBe('max by (cluster) (flink_jobmanager_taskSlotsAvailable{cluster="orders"}) < 1');
    expect(session.annotations.description).toContain("of the 4 it should have (2 TaskManagers × 2 slots)");
    expect(alertNames(alertRuleGroup(APPLICATION))).not.toContain("FlinkSlotsExhausted");
    expect(rule(alertRuleGroup(APPLICATION, { minFreeSlots: 2 }), "FlinkSlotsExhausted").expr).toMatch(/ < 2$/);
    expect(alertNames(alertRuleGroup(SESSION, { minFreeSlots: 0 }))).not.toContain("FlinkSlotsExhausted");
  });

  test("heap pressure divides used by max heap per process, for both roles", () => {
    const expr = rule(alertRuleGroup(SESSION, { heapUsedRatio: 0.8 }), "FlinkHeapPressure").expr;
    for (const role of ["jobmanager", "taskmanager"] as const) {
      const names = flinkMetricNames("1.20");
      expect(expr).toContain(`${names.heapUsed(role)}{cluster="orders"} / (${names.heapMax(role)}{cluster="orders"} > 0) > 0.8`);
    }
  });

  test("backpressure compares ms per second with the option, as a plain number", () => {
    expect(rule(alertRuleGroup(SESSION), "FlinkHighBackpressure").expr).toMatch(/backPressuredTimeMsPerSecond\{cluster="orders"\}\) > 500$/);
    expect(rule(alertRuleGroup(SESSION, { backpressureMsPerSecond: 750 }), "FlinkHighBackpressure").expr).toMatch(/ > 750$/);
  });

  test("labels, annotations, for overrides and disabled alerts", () => {
    const group = alertRuleGroup(SESSION, {
      labels: { team: "data" },
      runbookBaseUrl: "https://wiki.example.com/flink",
      for: { FlinkHeapPressure: "30m" },
      disabled: ["FlinkHighBackpressure"],
    });
    expect(alertNames(group)).not.toContain("FlinkHighBackpressure");
    for (const r of group.rules) {
      expect(Object.keys(r.annotations).sort()).toEqual(["description", "runbook", "summary"]);
      expect(r.annotations.runbook).toBe(`https://wiki.example.com/flink#${r.alert.toLowerCase()}`);
      expect(r.labels).toEqual({ team: "data", cluster: "orders", severity: expect.stringMatching(/^(critical|warning)$/) });
      expect(parsePrometheusDuration(r.for!)).toBeDefined();
    }
    expect(rule(group, "FlinkHeapPressure").for).toBe("30m");
    expect(rule(alertRuleGroup(SESSION), "FlinkJobRestarting").annotations.runbook).toBe("https://www.npmjs.com/package/cdktf-flink#flinkjobrestarting");
  });

  test("selectors quote the cluster name as a PromQL string", () => {
    const expr = rule(alertRuleGroup({ ...SESSION, clusterName: 'a"b' }), "FlinkJobManagerDown").expr;
    expect(parsePromQL(expr).selectors[0].matchers[0]).toEqual({ label: "cluster", op: "=", value: 'a"b' });
  });

  test("describeAlertRules has one row per alert, in order", () => {
    const rows = describeAlertRules();
    expect(rows.map((r) => r.alert)).toEqual([...ALERT_NAMES]);
    for (const row of rows) expect(row.condition && row.threshold && row.defaultFor && row.severity).toBeTruthy();
  });
});

describe("checkAlertRuleOptions", () => {
  const properties = (options: AlertRuleOptions, cluster?: MonitoredCluster) => checkAlertRuleOptions(options, cluster).map((p) => p.property);

  test("good options have no problems", () => {
    expect(checkAlertRuleOptions({ for: { FlinkJobRestarting: "2m", FlinkHeapPressure: "1h30m" }, backpressureMsPerSecond: 1000, heapUsedRatio: 0.95, minFreeSlots: 4, disabled: ["FlinkHeapPressure"], labels: { team: "data" } }, SESSION)).toEqual([]);
  });

  test.each<[string, AlertRuleOptions, string[]]>([
    ["backpressure above 1000 ms per second", { backpressureMsPerSecond: 60_000 }, ["backpressureMsPerSecond"]],
    ["backpressure of 0", { backpressureMsPerSecond: 0 }, ["backpressureMsPerSecond"]],
    ["backpressure NaN", { backpressureMsPerSecond: NaN }, ["backpressureMsPerSecond"]],
    ["a heap ratio of 1", { heapUsedRatio: 1 }, ["heapUsedRatio"]],
    ["a heap ratio given as a percentage", { heapUsedRatio: 90 }, ["heapUsedRatio"]],
    ["a negative heap ratio", { heapUsedRatio: -0.1 }, ["heapUsedRatio"]],
    ["a Flink duration instead of a Prometheus one", { for: { FlinkHeapPressure: "5 min" } }, ["for.FlinkHeapPressure"]],
    ["a fractional duration", { for: { FlinkHeapPressure: "1.5m" } }, ["for.FlinkHeapPressure"]],
    ["units out of order", { for: { FlinkHeapPressure: "30s5m" } }, ["for.FlinkHeapPressure"]],
    ["an unknown alert in for", { for: { FlinkJobDown: "5m" } as AlertRuleOptions["for"] }, ["for.FlinkJobDown"]],
    ["an unknown alert in disabled", { disabled: ["FlinkHeapPressure", "FlinkGcPressure" as FlinkAlertName] }, ["disabled[1]"]],
    ["a restart `for` as long as its window", { for: { FlinkJobRestarting: "4m" } }, ["for.FlinkJobRestarting"]],
    ["negative free slots", { minFreeSlots: -1 }, ["minFreeSlots"]],
    ["fractional free slots", { minFreeSlots: 1.5 }, ["minFreeSlots"]],
    ["more free slots than the cluster has", { minFreeSlots: 5 }, ["minFreeSlots"]],
    ["a runbook URL with a fragment", { runbookBaseUrl: "https://wiki/x#y" }, ["runbookBaseUrl"]],
    ["a label that overrides severity", { labels: { severity: "page" } }, ["labels.severity"]],
    ["a label that overrides cluster", { labels: { cluster: "other" } }, ["labels.cluster"]],
    ["an invalid label name", { labels: { "team-name": "data" } }, ["labels.team-name"]],
  ])("%s", (_, options, expected) => {
    expect(properties(options, SESSION)).toEqual(expected);
    for (const problem of checkAlertRuleOptions(options, SESSION)) expect(problem.fix).not.toBe("");
  });

  test("checks that need the cluster wait for it", () => {
    expect(properties({ minFreeSlots: 5 })).toEqual([]);
    expect(properties({ for: { FlinkCheckpointFailing: "10m" } })).toEqual([]);
    expect(properties({ for: { FlinkCheckpointFailing: "10m" } }, SESSION)).toEqual(["for.FlinkCheckpointFailing"]); // its window is 6m
    expect(properties({ for: { FlinkCheckpointFailing: "10m" } }, APPLICATION)).toEqual([]); // 31m
  });

  test("alertRuleGroup refuses options with problems, listing each", () => {
    expect(() => alertRuleGroup(SESSION, { heapUsedRatio: 90, backpressureMsPerSecond: 60_000 })).toThrow(FlinkConfigError);
    expect(() => alertRuleGroup(SESSION, { heapUsedRatio: 90, backpressureMsPerSecond: 60_000 })).toThrow(/backpressureMsPerSecond must be above 0[\s\S]*heapUsedRatio must be between 0 and 1/);
  });
});

describe("Prometheus durations", () => {
  test.each<[string, number | undefined]>([
    ["5m", 300_000],
    ["1h30m", 5_400_000],
    ["90s", 90_000],
    ["0", 0],
    ["1d", 86_400_000],
    ["250ms", 250],
    ["", undefined],
    ["5", undefined],
    ["5 m", undefined],
    ["5min", undefined],
    ["-5m", undefined],
  ])("parse %j", (text, ms) => expect(parsePrometheusDuration(text)).toBe(ms));

  test.each<[number, string]>([
    [0, "0s"],
    [210_000, "3m30s"],
    [3_600_000, "1h"],
    [5_401_000, "1h30m1s"],
    [1_500, "2s"],
  ])("format %d", (ms, text) => expect(formatPrometheusDuration(ms)).toBe(text));
});

// ---------------------------------------------------------------------------------------------
// promtool: the rules file checked and unit-tested against series shaped like Flink's.

/** The samples' spacing and Prometheus's evaluation interval: 15s as in the real-Flink test, unless a scenario says otherwise. */
const STEP_S = 15;
/** FlinkMonitoring's longest scrapeInterval, the hardest case for the windows: the healthy runs use it (and it keeps them fast). */
const SLOWEST_STEP_S = 60;
const T = 30 * 60; // When each scenario's failure starts: 30m in.

type Sample = number | undefined; // undefined: no such series at that time

/** The state of a simulated cluster over time (t in seconds); a scenario replaces some of it. */
interface Behaviour {
  /** up of JobManager i; undefined: no such target (not discovered). */
  jobManagerUp(i: number, t: number): Sample;
  taskManagerUp(i: number, t: number): Sample;
  /** Whether the leading JobManager (0) exports its cluster and job metrics. */
  leaderExports(t: number): boolean;
  registeredTaskManagers(t: number): number;
  runningJobs(t: number): number;
  slotsAvailable(t: number): number;
  /** Whether the job's metrics exist (on the leader, and its tasks on the TaskManagers). */
  jobPresent(t: number): boolean;
  restarts(t: number): number;
  runningTimeMs(t: number): number;
  checkpointsPresent(t: number): boolean;
  completedCheckpoints(t: number): number;
  failedCheckpoints(t: number): number;
  lastCheckpointDurationMs(t: number): number;
  backpressure(task: string, subtask: number, t: number): number;
  heapUsedRatio(component: string, i: number, t: number): number;
}

const JOB = { job_id: "5f1d2c3b4a596877", job_name: "orders_enrichment" };
const TASKS = ["Source__Kafka", "Enrich", "Sink__Kafka"];
const HEAP_MAX = 1_000_000_000;

function healthy(cluster: MonitoredCluster, self: () => Behaviour): Behaviour {
  const totalSlots = cluster.taskManagers * cluster.slotsPerTaskManager;
  const intervalS = (cluster.checkpointing?.intervalMs ?? 60_000) / 1000;
  return {
    jobManagerUp: () => 1,
    taskManagerUp: () => 1,
    leaderExports: (t) => self().jobManagerUp(0, t) === 1,
    registeredTaskManagers: () => cluster.taskManagers,
    runningJobs: () => 1,
    // A session job takes 2 slots; an application job all of them.
    slotsAvailable: () => (cluster.mode === "session" ? totalSlots - 2 : 0),
    jobPresent: (t) => self().leaderExports(t) && self().runningJobs(t) > 0,
    restarts: () => 0,
    runningTimeMs: (t) => t * 1000,
    checkpointsPresent: (t) => self().jobPresent(t) && cluster.checkpointing !== undefined,
    completedCheckpoints: (t) => Math.floor(t / intervalS),
    failedCheckpoints: () => 0,
    lastCheckpointDurationMs: (t) => 1200 + (Math.floor(t / intervalS) % 5) * 300,
    backpressure: (task, subtask, t) => (task === "Source__Kafka" ? 150 + 100 * Math.sin(t / 600 + subtask) : 0),
    // A sawtooth from 30% to 85% of the heap, one collection every 10 minutes, each process out of phase.
    heapUsedRatio: (component, i, t) => 0.3 + 0.55 * (((t + i * 170 + (component === "jobmanager" ? 90 : 0)) % 600) / 600),
  };
}

function behaviour(cluster: MonitoredCluster, overrides: Partial<Behaviour>): Behaviour {
  const merged: Behaviour = { ...healthy(cluster, () => merged), ...overrides };
  return merged;
}

interface Series {
  readonly metric: string;
  readonly labels: Record<string, string>;
  value(t: number): Sample;
}

function targetLabels(cluster: MonitoredCluster, component: string, i: number): Record<string, string> {
  const host = `${component === "jobmanager" ? "jm" : "tm"}-${i}`;
  return { cluster: cluster.clusterName, component, flink_version: cluster.flinkVersion, instance: `${host}:${cluster.metricsPort}`, job: `flink-${cluster.clusterName}` };
}

/** Flink's own labels of a process: host, and tm_id on a TaskManager. */
function processLabels(cluster: MonitoredCluster, component: string, i: number): Record<string, string> {
  const target = targetLabels(cluster, component, i);
  const host = target.instance.split(":")[0];
  return { ...target, host, ...(component === "taskmanager" ? { tm_id: `${host}-8c2e1` } : {}) };
}

/** Every series a cluster exports, shaped like Flink's: names from flinkMetricNames, counters as gauges. */
function clusterSeries(cluster: MonitoredCluster, b: Behaviour): Series[] {
  const names = flinkMetricNames(cluster.versionLine);
  const series: Series[] = [];
  const add = (metric: string, labels: Record<string, string>, value: (t: number) => Sample) => series.push({ metric, labels, value });
  const when = (present: (t: number) => boolean, value: (t: number) => number) => (t: number) => (present(t) ? value(t) : undefined);
  const leader = processLabels(cluster, "jobmanager", 0);
  const job = { ...leader, ...JOB };

  for (let i = 0; i < cluster.jobManagers; i++) {
    add("up", targetLabels(cluster, "jobmanager", i), (t) => b.jobManagerUp(i, t));
    const exports = (t: number) => b.jobManagerUp(i, t) === 1;
    add(names.heapUsed("jobmanager"), processLabels(cluster, "jobmanager", i), when(exports, (t) => Math.round(HEAP_MAX * b.heapUsedRatio("jobmanager", i, t))));
    add(names.heapMax("jobmanager"), processLabels(cluster, "jobmanager", i), when(exports, () => HEAP_MAX));
  }
  // Only the leader's ResourceManager and Dispatcher register these; a standby reports nothing.
  add(names.registeredTaskManagers, leader, when(b.leaderExports, b.registeredTaskManagers));
  add(names.runningJobs, leader, when(b.leaderExports, b.runningJobs));
  add(names.slotsAvailable, leader, when(b.leaderExports, b.slotsAvailable));
  add(names.slotsTotal, leader, when(b.leaderExports, (t) => b.registeredTaskManagers(t) * cluster.slotsPerTaskManager));
  add(names.jobRestarts, job, when(b.jobPresent, b.restarts));
  add(names.jobRunningTime, job, when(b.jobPresent, b.runningTimeMs));
  add(names.completedCheckpoints, job, when(b.checkpointsPresent, b.completedCheckpoints));
  add(names.failedCheckpoints, job, when(b.checkpointsPresent, b.failedCheckpoints));
  add(names.lastCheckpointDuration, job, when(b.checkpointsPresent, b.lastCheckpointDurationMs));

  for (let i = 0; i < cluster.taskManagers; i++) {
    const tm = processLabels(cluster, "taskmanager", i);
    const up = (t: number) => b.taskManagerUp(i, t) === 1;
    add("up", targetLabels(cluster, "taskmanager", i), (t) => b.taskManagerUp(i, t));
    add(names.heapUsed("taskmanager"), tm, when(up, (t) => Math.round(HEAP_MAX * b.heapUsedRatio("taskmanager", i, t))));
    add(names.heapMax("taskmanager"), tm, when(up, () => HEAP_MAX));
    for (const task of TASKS) {
      // Subtask i of every task runs on TaskManager i.
      const labels = { ...tm, ...JOB, task_name: task, subtask_index: String(i) };
      add(names.backPressuredTime, labels, when((t) => up(t) && b.jobPresent(t), (t) => Math.round(b.backpressure(task, i, t))));
    }
  }
  return series;
}

/** promtool's input_series: a staleness marker where a series ends, `_` where it is missing. */
function inputSeries(series: Series[], durationS: number, stepS: number): Array<{ series: string; values: string }> {
  return series.flatMap(({ metric, labels, value }) => {
    const values: string[] = [];
    let present = false;
    for (let t = 0; t <= durationS; t += stepS) {
      const v = value(t);
      values.push(v !== undefined ? String(v) : present ? "stale" : "_");
      present = v !== undefined;
    }
    if (values.every((v) => v === "_")) return [];
    const matchers = Object.entries(labels).map(([k, v]) => `${k}=${JSON.stringify(v)}`);
    return [{ series: `${metric}{${matchers.join(",")}}`, values: values.join(" ") }];
  });
}

/** An alert expected to fire: the labels of the result series and, where its annotations print it, the value. */
interface Firing {
  readonly alert: FlinkAlertName;
  readonly labels: Record<string, string>;
  readonly value?: number;
}

/**
 * Expands the subset of Go templating the rules use: `{{ $labels.x }}`, `{{ $value }}`,
 * `{{ $value | humanizePercentage }}` and `{{ with $labels.x }}…{{ . }}…{{ end }}`.
 */
function expandTemplate(template: string, labels: Record<string, string>, value: number | undefined): string {
  const needValue = () => {
    if (value === undefined) throw new Error(`the expectation needs a value for ${JSON.stringify(template)}`);
    return value;
  };
  const text = template
    .replace(/\{\{ with \$labels\.(\w+) \}\}(.*?)\{\{ end \}\}/g, (_, name: string, body: string) => (labels[name] ? body.replace(/\{\{ \. \}\}/g, labels[name]) : ""))
    .replace(/\{\{ \$labels\.(\w+) \}\}/g, (_, name: string) => labels[name] ?? "")
    .replace(/\{\{ \$value \| humanizePercentage \}\}/g, () => `${Number((needValue() * 100).toPrecision(4))}%`)
    .replace(/\{\{ \$value \}\}/g, () => String(needValue()));
  if (text.includes("{{")) throw new Error(`unexpanded template in ${JSON.stringify(template)}`);
  return text;
}

/** The expected alert as promtool lists it: the rule's labels over the series', its annotations expanded. */
function expectedAlert(group: PrometheusRuleGroup, firing: Firing) {
  const r = rule(group, firing.alert);
  return {
    exp_labels: { ...firing.labels, ...r.labels },
    exp_annotations: Object.fromEntries(Object.entries(r.annotations).map(([k, v]) => [k, expandTemplate(v, firing.labels, firing.value)])),
  };
}

interface Scenario {
  readonly name: string;
  readonly cluster: MonitoredCluster;
  readonly options?: AlertRuleOptions;
  readonly overrides: Partial<Behaviour>;
  readonly durationS: number;
  /** Spacing of the samples and evaluations. @default STEP_S */
  readonly stepS?: number;
  /** At each eval time exactly these alerts fire; every other alert is asserted silent. */
  readonly checks: ReadonlyArray<{ readonly at: string; readonly firing: readonly Firing[] }>;
}

/** One promtool test group: the scenario's series and, at each check, every alert name with what must fire. */
function unitTestGroup(scenario: Scenario, group: PrometheusRuleGroup): object {
  const b = behaviour(scenario.cluster, scenario.overrides);
  const stepS = scenario.stepS ?? STEP_S;
  return {
    name: scenario.name,
    interval: `${stepS}s`,
    input_series: inputSeries(clusterSeries(scenario.cluster, b), scenario.durationS, stepS),
    alert_rule_test: scenario.checks.flatMap(({ at, firing }) =>
      ALERT_NAMES.map((alertname) => ({
        eval_time: at,
        alertname,
        exp_alerts: firing.filter((f) => f.alert === alertname).map((f) => expectedAlert(group, f)),
      })),
    ),
  };
}

const S = SESSION;
/** Checkpoints every 5 minutes, and a name with a '-' (label values keep it: the reporter's filter is off). */
const SLOW: MonitoredCluster = { ...SESSION, clusterName: "orders-slow", checkpointing: { intervalMs: 300_000, timeoutMs: 180_000 } };
const c = { cluster: S.clusterName };
const leaderUp = targetLabels(S, "jobmanager", 0);
const jobAlert = { ...c, ...JOB };
const after = (start: number, before: number, from: number) => (t: number) => (t < start ? before : from);
const step = (t: number) => t >= T;

/** Healthy clusters for six hours, checked from the first minutes on (no job-age effects) to the end. */
const HEALTHY_CHECKS = ["1m", "3m", "10m", "30m", "1h", "2h", "3h", "4h30m", "6h"].map((at) => ({ at, firing: [] }));

const SCENARIOS: Scenario[] = [
  { name: "healthy session cluster (1.20) for 6h at 1m scrapes: nothing fires", cluster: SESSION, overrides: {}, durationS: 6 * 3600, stepS: SLOWEST_STEP_S, checks: HEALTHY_CHECKS },
  {
    name: "healthy HA application cluster (2.3, standby JobManager, 10m checkpoints) for 6h at 1m scrapes: nothing fires",
    cluster: APPLICATION,
    overrides: {},
    durationS: 6 * 3600,
    stepS: SLOWEST_STEP_S,
    checks: HEALTHY_CHECKS,
  },
  { name: "healthy session cluster for 1h at 15s scrapes: nothing fires", cluster: SESSION, overrides: {}, durationS: 3600, checks: HEALTHY_CHECKS.slice(0, 5) },
  {
    // Every series of the JobManager vanishes with it, so the absent() halves of TaskManagerLost and
    // NoRunningJobs fire too, later (their `for` is 5m); an Alertmanager inhibit rule on
    // FlinkJobManagerDown can mute them. CheckpointStale's absent() waits for a running job.
    name: "JobManager down (up 0): FlinkJobManagerDown, then TaskManagerLost and NoRunningJobs from their series' absence",
    cluster: S,
    overrides: { jobManagerUp: (_, t) => (step(t) ? 0 : 1) },
    durationS: 40 * 60,
    checks: [
      { at: "31m", firing: [] },
      { at: "33m", firing: [{ alert: "FlinkJobManagerDown", labels: leaderUp }] },
      {
        at: "36m",
        firing: [
          { alert: "FlinkJobManagerDown", labels: leaderUp },
          { alert: "FlinkTaskManagerLost", labels: c },
          { alert: "FlinkNoRunningJobs", labels: c },
        ],
      },
    ],
  },
  {
    name: "no JobManager target at all: FlinkJobManagerDown from absent(up), with TaskManagerLost and NoRunningJobs",
    cluster: S,
    overrides: { jobManagerUp: () => undefined },
    durationS: 15 * 60,
    checks: [
      { at: "3m", firing: [{ alert: "FlinkJobManagerDown", labels: { ...c, component: "jobmanager" } }] },
      {
        at: "10m",
        firing: [
          { alert: "FlinkJobManagerDown", labels: { ...c, component: "jobmanager" } },
          { alert: "FlinkTaskManagerLost", labels: c },
          { alert: "FlinkNoRunningJobs", labels: c },
        ],
      },
    ],
  },
  {
    // The JobManager notices after its heartbeat timeout (45s here); the job fails over (JobRestarting
    // fires first) onto the one TaskManager left, whose 2 slots it then takes (SlotsExhausted).
    name: "a TaskManager lost: JobRestarting at once, then TaskManagerLost and SlotsExhausted",
    cluster: S,
    overrides: {
      taskManagerUp: (i, t) => (i === 1 && step(t) ? 0 : 1),
      registeredTaskManagers: after(T + 45, 2, 1),
      restarts: after(T + 45, 0, 1),
      slotsAvailable: after(T + 45, 2, 0),
    },
    durationS: 45 * 60,
    checks: [
      { at: "30m30s", firing: [] },
      { at: "32m", firing: [{ alert: "FlinkJobRestarting", labels: jobAlert }] },
      {
        at: "36m",
        firing: [
          { alert: "FlinkTaskManagerLost", labels: c },
          { alert: "FlinkSlotsExhausted", labels: c, value: 0 },
        ],
      },
    ],
  },
  {
    name: "the job is cancelled: FlinkNoRunningJobs (the job's series are gone, nothing else fires)",
    cluster: S,
    overrides: { runningJobs: after(T, 1, 0), slotsAvailable: after(T, 2, 4) },
    durationS: 40 * 60,
    checks: [
      { at: "33m", firing: [] },
      { at: "36m", firing: [{ alert: "FlinkNoRunningJobs", labels: c }] },
    ],
  },
  {
    // With a 5 min interval the window (14m) outlasts the job's series: a stale-checkpoint term that only
    // looked back would fire on the ended job (found in review).
    name: "a job with a 5 min checkpoint interval is cancelled: only FlinkNoRunningJobs",
    // Cancelled 4 minutes after its last checkpoint, so windows ending 44m to 48m hold samples without one.
    cluster: SLOW,
    overrides: { runningJobs: after(T + 240, 1, 0), slotsAvailable: after(T + 240, 2, 4) },
    durationS: 60 * 60,
    checks: [
      { at: "36m", firing: [] },
      ...["40m", "45m", "46m30s", "47m", "48m", "50m", "55m"].map((at) => ({ at, firing: [{ alert: "FlinkNoRunningJobs" as const, labels: { cluster: SLOW.clusterName } }] })),
    ],
  },
  {
    // Firing at 31m with `for: 1m` means pending since the first evaluation that saw the restart.
    name: "one restart: FlinkJobRestarting pending at once, firing a minute later, resolved after its 4m window",
    cluster: S,
    overrides: { restarts: after(T, 0, 1), runningTimeMs: (t) => (t < T ? t : t - T) * 1000 },
    durationS: 45 * 60,
    checks: [
      { at: "30m45s", firing: [] },
      { at: "31m", firing: [{ alert: "FlinkJobRestarting", labels: jobAlert }] },
      { at: "33m", firing: [{ alert: "FlinkJobRestarting", labels: jobAlert }] },
      { at: "36m", firing: [] },
    ],
  },
  {
    // A JobManager restart starts every counter again at 0 on the same series; increase() treats the
    // drop as a reset, so neither restarts nor failed or completed checkpoints alert.
    name: "counters reset by a JobManager restart, without a new restart or failure: nothing fires",
    cluster: S,
    overrides: {
      restarts: after(T, 2, 0),
      failedCheckpoints: after(T, 1, 0),
      completedCheckpoints: (t) => (t < T ? Math.floor(t / 60) : Math.floor((t - T) / 60)),
      runningTimeMs: (t) => (t < T ? t : t - T) * 1000,
    },
    durationS: 45 * 60,
    checks: ["30m", "30m15s", "31m", "32m", "35m", "40m"].map((at) => ({ at, firing: [] })),
  },
  {
    // increase() adds the value before the drop back: 2, 0, 1 is one restart. delta() would see -1.
    name: "a restart after a JobManager restart reset the counter: FlinkJobRestarting fires",
    cluster: S,
    overrides: { restarts: (t) => (t < T ? 2 : t < T + 120 ? 0 : 1) },
    durationS: 40 * 60,
    checks: [
      { at: "31m", firing: [] },
      { at: "33m", firing: [{ alert: "FlinkJobRestarting", labels: jobAlert }] },
    ],
  },
  {
    // One failure alone (as a job's first trigger while its tasks deploy, on real Flink) does not fire.
    name: "one failed checkpoint: nothing fires",
    cluster: S,
    overrides: { failedCheckpoints: after(T, 0, 1) },
    durationS: 45 * 60,
    checks: ["30m45s", "32m", "40m"].map((at) => ({ at, firing: [] })),
  },
  {
    // A loaded machine deploying a job's tasks slowly: several triggers fail while checkpoints complete too.
    name: "three failed checkpoints among completing ones: nothing fires",
    cluster: S,
    overrides: { failedCheckpoints: (t) => (t < T ? 0 : t < T + 60 ? 1 : t < T + 120 ? 2 : 3) },
    durationS: 45 * 60,
    checks: ["30m45s", "32m", "33m", "36m", "40m"].map((at) => ({ at, firing: [] })),
  },
  {
    // Every checkpoint fails from 30m on: Failing once the 6m window holds as many failures as completions
    // (about 33m) and its `for` has passed, Stale once the window holds no completion and its `for` has passed.
    name: "checkpoints fail instead of completing: FlinkCheckpointFailing, then FlinkCheckpointStale too",
    cluster: S,
    overrides: { failedCheckpoints: (t) => (t < T ? 0 : Math.floor((t - T) / 60) + 1), completedCheckpoints: (t) => Math.floor(Math.min(t, T) / 60) },
    durationS: 45 * 60,
    checks: [
      { at: "31m", firing: [] },
      { at: "36m", firing: [{ alert: "FlinkCheckpointFailing", labels: jobAlert }] },
      {
        at: "40m",
        firing: [
          { alert: "FlinkCheckpointFailing", labels: jobAlert },
          { alert: "FlinkCheckpointStale", labels: jobAlert },
        ],
      },
    ],
  },
  {
    // The last checkpoint completes at 30m; 6m later the window holds none, 2m later (`for`) it fires.
    name: "checkpoints stop completing: FlinkCheckpointStale after its window and `for`",
    cluster: S,
    overrides: { completedCheckpoints: (t) => Math.floor(Math.min(t, T) / 60) },
    durationS: 45 * 60,
    checks: [
      { at: "36m", firing: [] },
      { at: "37m45s", firing: [] },
      { at: "38m15s", firing: [{ alert: "FlinkCheckpointStale", labels: jobAlert }] },
      { at: "44m", firing: [{ alert: "FlinkCheckpointStale", labels: jobAlert }] },
    ],
  },
  {
    name: "a running job without checkpoint series: FlinkCheckpointStale from absent()",
    cluster: S,
    overrides: { checkpointsPresent: () => false },
    durationS: 15 * 60,
    checks: [
      { at: "1m", firing: [] },
      { at: "10m", firing: [{ alert: "FlinkCheckpointStale", labels: c }] },
    ],
  },
  {
    // Checkpoints of 90s (threshold min(1m, 3m / 2) = 60s) still complete every 2 minutes: not stale.
    name: "slow checkpoints: FlinkCheckpointSlow",
    cluster: S,
    overrides: {
      lastCheckpointDurationMs: after(T, 1500, 90_000),
      completedCheckpoints: (t) => (t < T ? Math.floor(t / 60) : 30 + Math.floor((t - T) / 120)),
    },
    durationS: 45 * 60,
    checks: [
      { at: "34m", firing: [] },
      { at: "36m", firing: [{ alert: "FlinkCheckpointSlow", labels: jobAlert, value: 90_000 }] },
    ],
  },
  {
    name: "backpressure: FlinkHighBackpressure per task",
    cluster: S,
    overrides: { backpressure: (task, subtask, t) => (task === "Enrich" && subtask === 0 && step(t) ? 800 : 10) },
    durationS: 45 * 60,
    checks: [
      { at: "35m", firing: [] },
      { at: "41m", firing: [{ alert: "FlinkHighBackpressure", labels: { ...c, job_name: JOB.job_name, task_name: "Enrich" }, value: 800 }] },
    ],
  },
  {
    name: "heap pressure on one TaskManager: FlinkHeapPressure for that process",
    cluster: S,
    overrides: { heapUsedRatio: (component, i, t) => (component === "taskmanager" && i === 1 && step(t) ? 0.96 : 0.5) },
    durationS: 45 * 60,
    checks: [
      { at: "35m", firing: [] },
      { at: "41m", firing: [{ alert: "FlinkHeapPressure", labels: processLabels(S, "taskmanager", 1), value: 0.96 }] },
    ],
  },
  {
    name: "a second job takes the free slots: FlinkSlotsExhausted",
    cluster: S,
    overrides: { slotsAvailable: after(T, 2, 0), runningJobs: after(T, 1, 2) },
    durationS: 40 * 60,
    checks: [
      { at: "33m", firing: [] },
      { at: "36m", firing: [{ alert: "FlinkSlotsExhausted", labels: c, value: 0 }] },
    ],
  },
];

describeWithPrometheus("promtool tests of the alert rules (test/alert-rules.test.ts)")("alert rules under promtool", () => {
  let work: string;
  beforeAll(() => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), "alert-rules-"));
  });
  afterAll(() => {
    // KEEP_ALERT_RULES_TMP=1 keeps the rules and promtool test files to look at after a failure.
    if (!process.env.KEEP_ALERT_RULES_TMP) fs.rmSync(work, { recursive: true, force: true });
  });

  /** Runs promtool in `dir`; its stdout and stderr, or an error with them. Lint findings go to stderr with exit code 0, so both are returned. */
  function promtool(dir: string, ...args: string[]): string {
    const run = spawnSync(PROMTOOL, args, { cwd: dir, encoding: "utf8", timeout: 60_000, maxBuffer: 16 * 1024 * 1024 });
    const output = `${run.stdout ?? ""}${run.stderr ?? ""}`;
    if (run.error || run.status !== 0) throw new Error(`promtool ${args.join(" ")} in ${dir} failed: ${run.error?.message ?? `exit ${run.status}`}\n${output}`);
    return output;
  }

  function writeRules(dir: string, cluster: MonitoredCluster, options?: AlertRuleOptions): PrometheusRuleGroup {
    fs.mkdirSync(dir, { recursive: true });
    const group = alertRuleGroup(cluster, options);
    fs.writeFileSync(path.join(dir, "rules.yml"), stringify({ groups: [group] }));
    return group;
  }

  test.each<[string, MonitoredCluster, AlertRuleOptions | undefined]>([
    ["session 1.20", SESSION, undefined],
    ["application 2.3 with every option", APPLICATION, { minFreeSlots: 1, labels: { team: "data" }, for: { FlinkJobRestarting: "30s" }, heapUsedRatio: 0.85 }],
    ["without checkpointing", { ...SESSION, checkpointing: undefined }, undefined],
  ])("promtool check rules passes: %s", (name, cluster, options) => {
    const dir = path.join(work, `check-${name.replace(/\W+/g, "-")}`);
    const group = writeRules(dir, cluster, options);
    const output = promtool(dir, "check", "rules", "rules.yml");
    expect(output).toContain(`SUCCESS: ${group.rules.length} rules found`);
    expect(output).not.toContain("FAILED");
  });

  test("several clusters' groups in one file pass together", () => {
    const dir = path.join(work, "check-several");
    fs.mkdirSync(dir, { recursive: true });
    const groups = [alertRuleGroup(SESSION), alertRuleGroup(APPLICATION)];
    fs.writeFileSync(path.join(dir, "rules.yml"), stringify({ groups }));
    const output = promtool(dir, "check", "rules", "rules.yml");
    expect(output).toContain(`SUCCESS: ${groups[0].rules.length + groups[1].rules.length} rules found`);
    // Same alert names in both groups: without the cluster label on each rule, promtool lints them as duplicates.
    expect(output).not.toMatch(/FAILED|duplicate/);
  });

  /**
   * Scenarios of one cluster and step share a rules file and a promtool run (evaluation_interval is
   * per file); each is a named test group, and promtool names the groups that fail.
   */
  const runs = new Map<string, { cluster: MonitoredCluster; stepS: number; scenarios: Scenario[]; result?: { status: number | null; output: string } }>();
  const runKey = (scenario: Scenario) => `${scenario.cluster.clusterName}-${scenario.stepS ?? STEP_S}s`;
  for (const scenario of SCENARIOS) {
    const key = runKey(scenario);
    const run = runs.get(key) ?? { cluster: scenario.cluster, stepS: scenario.stepS ?? STEP_S, scenarios: [] };
    if (run.cluster !== scenario.cluster) throw new Error(`scenarios of run ${key} have different clusters`);
    run.scenarios.push(scenario);
    runs.set(key, run);
  }

  beforeAll(() => {
    for (const [key, run] of runs) {
      const dir = path.join(work, `test-${key}`);
      const group = writeRules(dir, run.cluster);
      const file = { rule_files: ["rules.yml"], evaluation_interval: `${run.stepS}s`, tests: run.scenarios.map((scenario) => unitTestGroup(scenario, group)) };
      fs.writeFileSync(path.join(dir, "test.yml"), stringify(file, { lineWidth: 0 }));
      const result = spawnSync(PROMTOOL, ["test", "rules", "test.yml"], { cwd: dir, encoding: "utf8", timeout: 60_000, maxBuffer: 16 * 1024 * 1024 });
      run.result = { status: result.error ? null : result.status, output: `${result.stdout ?? ""}${result.stderr ?? ""}${result.error?.message ?? ""}` };
    }
  });

  test.each(SCENARIOS.map((s) => [s.name, s] as const))("%s", (name, scenario) => {
    const { status, output } = runs.get(runKey(scenario))!.result!;
    if (status === 0) {
      expect(output).toContain("SUCCESS");
      return;
    }
    // promtool prints `name: <group>,` before each failing group's findings.
    const failed = [...output.matchAll(/^ {4}name: (.*),$/gm)].map((m) => m[1]);
    if (failed.length === 0) throw new Error(`promtool test rules failed without naming a group (exit ${status}):\n${output}`);
    const section = failed.includes(name) ? output.slice(output.indexOf(`name: ${name},`)).split(/\n {4}name: /)[0] : "";
    expect(section).toBe("");
  });
});
