/**
 * Prometheus alert rules for one Flink cluster. Every number in them follows from the cluster (its
 * TaskManager count, slots, checkpoint interval and timeout) or from an option, and every expression
 * selects the cluster's label, so the groups of several clusters never mix.
 */
import { ConfigProblem, FlinkConfigError } from "../config/problems";
import { FlinkMetricNames, flinkMetricNames, FlinkRoleName } from "./metric-names";
import { ALERT_NAMES, FlinkAlertName, MonitoredCluster } from "./monitored-cluster";

export interface AlertRuleOptions {
  /**
   * `for` durations per alert, Prometheus duration syntax ("5m"). Why each default is what it is: describeAlertRules().
   * @default FlinkJobManagerDown 2m, FlinkTaskManagerLost 5m, FlinkNoRunningJobs 5m, FlinkJobRestarting 1m,
   * FlinkCheckpointFailing 1m, FlinkCheckpointStale 2m, FlinkCheckpointSlow max(5m, 2 × checkpoint interval),
   * FlinkHighBackpressure 10m, FlinkHeapPressure 10m, FlinkSlotsExhausted 5m
   */
  readonly for?: Partial<Record<FlinkAlertName, string>>;
  /** FlinkHighBackpressure threshold in ms per second (Flink's backPressuredTimeMsPerSecond is 0..1000). @default 500 */
  readonly backpressureMsPerSecond?: number;
  /** FlinkHeapPressure: used / max heap ratio. @default 0.9 */
  readonly heapUsedRatio?: number;
  /**
   * FlinkSlotsExhausted fires when fewer slots are free than this.
   * @default 1 for session clusters; 0 (rule not rendered) for application clusters, whose job takes the slots it needs
   */
  readonly minFreeSlots?: number;
  /** Alerts to leave out. */
  readonly disabled?: readonly FlinkAlertName[];
  /** Base of the runbook annotation: `${runbookBaseUrl}#${alert name lowercased}`. @default "https://www.npmjs.com/package/cdktf-flink" */
  readonly runbookBaseUrl?: string;
  /** Extra labels on every alert (e.g. team). */
  readonly labels?: Readonly<Record<string, string>>;
}

export interface PrometheusRule {
  alert: string;
  expr: string;
  for?: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

export interface PrometheusRuleGroup {
  name: string;
  interval?: string;
  rules: PrometheusRule[];
}

/** A problem with the options; `property` is relative to AlertRuleOptions, e.g. `for.FlinkJobRestarting`. */
export type AlertRuleProblem = Required<ConfigProblem>;

/** One row of the README's rules table. */
export interface AlertRuleDescription {
  readonly alert: FlinkAlertName;
  readonly severity: string;
  /** When it fires, in words. */
  readonly condition: string;
  /** Where its threshold and windows come from. */
  readonly threshold: string;
  readonly defaultFor: string;
}

export const DEFAULT_RUNBOOK_BASE_URL = "https://www.npmjs.com/package/cdktf-flink";
export const DEFAULT_BACKPRESSURE_MS_PER_SECOND = 500;
export const DEFAULT_HEAP_USED_RATIO = 0.9;

const SECOND = 1000;
const MINUTE = 60 * SECOND;
/** The slowest scrape the windows must cope with: Prometheus's default, and FlinkMonitoring's longest scrapeInterval. */
const SCRAPE_INTERVAL_MS = MINUTE;
/** increase() needs two samples in its window: four scrapes leave room for a missed one. */
const MIN_WINDOW_MS = 4 * SCRAPE_INTERVAL_MS;
/** Short, so the alert clears a few minutes after the job is stable again; the minimum, so every restart is seen. */
const RESTART_WINDOW_MS = MIN_WINDOW_MS;
/** backPressuredTimeMsPerSecond cannot exceed a whole second. */
const MAX_BACKPRESSURE_MS_PER_SECOND = 1000;

type Severity = "critical" | "warning";

/** The options with their defaults, and the numbers derived from the cluster. */
interface RuleContext {
  readonly cluster: MonitoredCluster;
  readonly names: FlinkMetricNames;
  readonly backpressureMsPerSecond: number;
  readonly heapUsedRatio: number;
  readonly minFreeSlots: number;
  readonly checkpoint?: CheckpointThresholds;
}

interface CheckpointThresholds {
  readonly intervalMs: number;
  readonly timeoutMs: number;
  /** How far back FlinkCheckpointFailing and FlinkCheckpointStale look. */
  readonly windowMs: number;
  /** FlinkCheckpointSlow's threshold. */
  readonly slowMs: number;
  /** FlinkCheckpointSlow's default `for`: about two checkpoints in a row, since one value stands until the next checkpoint. */
  readonly slowForMs: number;
}

/**
 * The longest a healthy job goes without a checkpoint outcome is one interval plus a checkpoint
 * that takes up to the timeout; one more interval is slack, one scrape covers the counter being seen
 * only at the scrape after it changed.
 */
function checkpointThresholds(checkpointing: { intervalMs: number; timeoutMs: number }): CheckpointThresholds {
  const { intervalMs, timeoutMs } = checkpointing;
  return {
    intervalMs,
    timeoutMs,
    windowMs: Math.max(MIN_WINDOW_MS, 2 * intervalMs + timeoutMs + SCRAPE_INTERVAL_MS),
    // Longer than the interval means checkpoints run back to back; half the timeout is halfway to failing.
    slowMs: Math.round(Math.min(intervalMs, timeoutMs / 2)),
    slowForMs: Math.max(5 * MINUTE, 2 * intervalMs),
  };
}

/** What one alert renders for one cluster. */
interface RenderedRule {
  readonly severity: Severity;
  readonly expr: string;
  readonly defaultForMs: number;
  readonly summary: string;
  readonly description: string;
}

interface AlertDefinition {
  readonly name: FlinkAlertName;
  readonly words: Omit<AlertRuleDescription, "alert">;
  /** undefined when the alert does not apply to the cluster. */
  render(context: RuleContext): RenderedRule | undefined;
}

/** The labels job-level alerts keep: stable across a JobManager failover (no instance or host). */
const JOB_LABELS = "cluster, job_id, job_name";

const DEFINITIONS: readonly AlertDefinition[] = [
  {
    name: "FlinkJobManagerDown",
    words: {
      severity: "critical",
      condition: "a JobManager target has `up == 0`, or no JobManager target exists (`absent(up)`)",
      threshold: "none",
      defaultFor: "2m",
    },
    render: ({ cluster }) => {
      const up = select(cluster, "up", { component: "jobmanager" });
      return {
        severity: "critical",
        expr: anyOf(`${up} == 0`, `absent(${up})`),
        defaultForMs: 2 * MINUTE,
        summary: `A JobManager of Flink cluster ${cluster.clusterName} is down`,
        description:
          `Prometheus cannot scrape JobManager{{ with $labels.instance }} {{ . }}{{ end }} of cluster ${cluster.clusterName} (up == 0), ` +
          "or discovers no JobManager target at all. Without a leading JobManager no job runs.",
      };
    },
  },
  {
    name: "FlinkTaskManagerLost",
    words: {
      severity: "critical",
      condition: "`max by (cluster)` of numRegisteredTaskManagers over the JobManagers is below the expected count, or absent; not rendered for a cluster of 0 TaskManagers",
      threshold: "the cluster's taskManagers",
      defaultFor: "5m",
    },
    // Critical: the target replaces a lost TaskManager within a minute or two; one still missing after
    // 5m leaves a job without the slots its parallelism needs, so it stands still or runs short.
    render: ({ cluster, names }) => {
      if (cluster.taskManagers === 0) return undefined;
      const registered = select(cluster, names.registeredTaskManagers);
      return {
        severity: "critical",
        // max: a standby JobManager reports 0 or nothing, only the leader counts.
        expr: anyOf(`max by (cluster) (${registered}) < ${cluster.taskManagers}`, `absent(${registered})`),
        defaultForMs: 5 * MINUTE,
        summary: `Flink cluster ${cluster.clusterName} has lost TaskManagers`,
        description:
          `Fewer than ${cluster.taskManagers} TaskManagers (the cluster's taskManagers) are registered with the leading JobManager ` +
          `of cluster ${cluster.clusterName}, or no JobManager reports ${names.registeredTaskManagers}.`,
      };
    },
  },
  {
    name: "FlinkNoRunningJobs",
    words: {
      severity: "critical for application clusters, warning for session clusters",
      condition: "`max by (cluster)` of numRunningJobs is below 1, or absent",
      threshold: "none",
      defaultFor: "5m",
    },
    // Session clusters too: one that runs nothing is what a platform team wants to know, but only
    // an application cluster without its job is an outage.
    render: ({ cluster, names }) => {
      const running = select(cluster, names.runningJobs);
      const application = cluster.mode === "application";
      return {
        severity: application ? "critical" : "warning",
        expr: anyOf(`max by (cluster) (${running}) < 1`, `absent(${running})`),
        defaultForMs: 5 * MINUTE,
        summary: `Flink cluster ${cluster.clusterName} runs no job`,
        description:
          `${application ? "Application" : "Session"} cluster ${cluster.clusterName} runs no job (${names.runningJobs} < 1), or no JobManager reports it. ` +
          (application ? "An application cluster exists to run its job: it failed, finished or was never submitted." : "Every job finished, failed or was cancelled, or none was submitted."),
      };
    },
  },
  {
    name: "FlinkJobRestarting",
    words: {
      severity: "warning",
      condition: "`increase(numRestarts[4m]) > 0` per job (increase() ignores the counter dropping to 0 when a JobManager restarts)",
      threshold: "4m window: four scrapes at Prometheus's default 1m interval",
      defaultFor: "1m (must stay below the 4m window, or a single restart never fires)",
    },
    render: ({ cluster, names }) => ({
      severity: "warning",
      expr: `sum by (${JOB_LABELS}) (increase(${select(cluster, names.jobRestarts)}[${formatPrometheusDuration(RESTART_WINDOW_MS)}])) > 0`,
      defaultForMs: MINUTE,
      summary: `Flink job {{ $labels.job_name }} on ${cluster.clusterName} is restarting`,
      description:
        `Job {{ $labels.job_name }} ({{ $labels.job_id }}) of cluster ${cluster.clusterName} restarted within the last ` +
        `${formatPrometheusDuration(RESTART_WINDOW_MS)} (${names.jobRestarts} increased). The JobManager log says why it failed.`,
    }),
  },
  {
    name: "FlinkCheckpointFailing",
    words: {
      severity: "warning",
      condition: "per job older than w, more than one checkpoint failed within w and at least as many failed as completed; only with checkpointing",
      threshold: "w = max(4m, 2 × checkpoint interval + checkpoint timeout + 1m)",
      defaultFor: "1m (must stay below w)",
    },
    render: ({ cluster, names, checkpoint }) => {
      if (!checkpoint) return undefined;
      const window = formatPrometheusDuration(checkpoint.windowMs);
      const failed = `sum by (${JOB_LABELS}) (increase(${select(cluster, names.failedCheckpoints)}[${window}]))`;
      const completed = `sum by (${JOB_LABELS}) (increase(${select(cluster, names.completedCheckpoints)}[${window}]))`;
      return {
        severity: "warning",
        // Failures among many completions are tolerated: real Flink counts every trigger that finds a
        // starting job's tasks still deploying as a failed checkpoint (one at each start on 2.3, several on
        // a loaded machine with a short interval), on a healthy job. increase() extrapolates to the window's
        // edges, so one failure may read as a little more than 1: hence 1.5.
        // A job younger than the window is not judged (the offset term), as for FlinkCheckpointStale: its
        // first minutes mix those failed triggers with few completions and an increase() extrapolated from
        // few samples (seen firing in CI on a healthy 1.20 job with 1 failure and 8 completions).
        expr: `${failed} > 1.5 and on (${JOB_LABELS}) ${failed} >= on (${JOB_LABELS}) ${completed} and on (${JOB_LABELS}) sum by (${JOB_LABELS}) (${select(cluster, names.failedCheckpoints)} offset ${window})`,
        defaultForMs: MINUTE,
        summary: `Checkpoints of Flink job {{ $labels.job_name }} on ${cluster.clusterName} fail`,
        description:
          `Checkpoints of job {{ $labels.job_name }} ({{ $labels.job_id }}) of cluster ${cluster.clusterName} failed more than once, and at least as often as they completed, within the last ${window} ` +
          `(${checkpointWindowWords(checkpoint)}). Checkpoints that keep failing keep this alert firing.`,
      };
    },
  },
  {
    name: "FlinkCheckpointStale",
    words: {
      severity: "critical",
      condition:
        "`increase(numberOfCompletedCheckpoints[w]) < 1` per job whose counter existed w ago (a job younger than w is not judged), " +
        "or the series is absent while numRunningJobs > 0; only with checkpointing",
      threshold: "w = max(4m, 2 × checkpoint interval + checkpoint timeout + 1m)",
      defaultFor: "2m",
    },
    render: ({ cluster, names, checkpoint }) => {
      if (!checkpoint) return undefined;
      const window = formatPrometheusDuration(checkpoint.windowMs);
      const completed = select(cluster, names.completedCheckpoints);
      const perJob = (series: string) => `sum by (${JOB_LABELS}) (${series})`;
      return {
        severity: "critical",
        expr: anyOf(
          // The offset term keeps a job that started less than a window ago, with its counter still at 0, from
          // firing; the last term one that ended (cancelled, finished) and whose series is gone now.
          `${perJob(`increase(${completed}[${window}])`)} < 1 and on (${JOB_LABELS}) ${perJob(`${completed} offset ${window}`)} and on (${JOB_LABELS}) ${perJob(completed)}`,
          // Absent only counts while a job runs: a session cluster without jobs is FlinkNoRunningJobs' business, a dead JobManager FlinkJobManagerDown's.
          `absent(${completed}) and on (cluster) max by (cluster) (${select(cluster, names.runningJobs)}) > 0`,
        ),
        defaultForMs: 2 * MINUTE,
        summary: `Flink job{{ with $labels.job_name }} {{ . }}{{ end }} on ${cluster.clusterName} completes no checkpoints`,
        description:
          `No checkpoint of job{{ with $labels.job_name }} {{ . }}{{ end }} of cluster ${cluster.clusterName} completed within the last ${window} ` +
          `(${checkpointWindowWords(checkpoint)}), or a job runs without reporting ${names.completedCheckpoints}. ` +
          "After a failure the job would replay everything since its last checkpoint.",
      };
    },
  },
  {
    name: "FlinkCheckpointSlow",
    words: {
      severity: "warning",
      condition: "`max by (cluster, job_id, job_name)` of lastCheckpointDuration (ms) is above the threshold; only with checkpointing",
      threshold: "min(checkpoint interval, checkpoint timeout / 2)",
      defaultFor: "max(5m, 2 × checkpoint interval): the last duration stands until the next checkpoint, so about two slow checkpoints in a row",
    },
    render: ({ cluster, names, checkpoint }) => {
      if (!checkpoint) return undefined;
      return {
        severity: "warning",
        expr: `max by (${JOB_LABELS}) (${select(cluster, names.lastCheckpointDuration)}) > ${checkpoint.slowMs}`,
        defaultForMs: checkpoint.slowForMs,
        summary: `Checkpoints of Flink job {{ $labels.job_name }} on ${cluster.clusterName} are slow`,
        description:
          `The last checkpoint of job {{ $labels.job_name }} ({{ $labels.job_id }}) of cluster ${cluster.clusterName} took {{ $value }} ms, more than ` +
          `${checkpoint.slowMs} ms: the smaller of the checkpoint interval (${formatPrometheusDuration(checkpoint.intervalMs)}) and half the ` +
          `checkpoint timeout (${formatPrometheusDuration(checkpoint.timeoutMs)}).`,
      };
    },
  },
  {
    name: "FlinkHighBackpressure",
    words: {
      severity: "warning",
      condition: "`max by (cluster, job_name, task_name)` of backPressuredTimeMsPerSecond is above the threshold",
      threshold: "option backpressureMsPerSecond, default 500 (of at most 1000)",
      defaultFor: "10m (a job catching up after a restart is backpressured for a while)",
    },
    render: ({ cluster, names, backpressureMsPerSecond }) => ({
      severity: "warning",
      expr: `max by (cluster, job_name, task_name) (${select(cluster, names.backPressuredTime)}) > ${backpressureMsPerSecond}`,
      defaultForMs: 10 * MINUTE,
      summary: `Task {{ $labels.task_name }} of Flink job {{ $labels.job_name }} on ${cluster.clusterName} is backpressured`,
      description:
        `A subtask of {{ $labels.task_name }} in job {{ $labels.job_name }} of cluster ${cluster.clusterName} is backpressured {{ $value }} ms per second, ` +
        `more than ${backpressureMsPerSecond} (option backpressureMsPerSecond; 1000 means always). A task downstream of it is the bottleneck.`,
    }),
  },
  {
    name: "FlinkHeapPressure",
    words: {
      severity: "warning",
      condition: "Heap_Used / Heap_Max of a JobManager or TaskManager process is above the ratio",
      threshold: "option heapUsedRatio, default 0.9",
      defaultFor: "10m (used heap includes garbage until the next collection)",
    },
    render: ({ cluster, names, heapUsedRatio }) => {
      const ratioAbove = (role: FlinkRoleName) =>
        // Max > 0: a JVM without a heap limit reports -1, and dividing by it must not fire.
        `${select(cluster, names.heapUsed(role))} / (${select(cluster, names.heapMax(role))} > 0) > ${heapUsedRatio}`;
      return {
        severity: "warning",
        expr: anyOf(ratioAbove("jobmanager"), ratioAbove("taskmanager")),
        defaultForMs: 10 * MINUTE,
        summary: `Flink {{ $labels.component }} {{ $labels.instance }} of ${cluster.clusterName} is short of heap`,
        description:
          `The {{ $labels.component }} at {{ $labels.instance }} of cluster ${cluster.clusterName} uses {{ $value | humanizePercentage }} of its maximum heap, ` +
          `more than ${Number((heapUsedRatio * 100).toPrecision(4))}% (option heapUsedRatio ${heapUsedRatio}). Long garbage collections and OutOfMemoryError follow.`,
      };
    },
  },
  {
    name: "FlinkSlotsExhausted",
    words: {
      severity: "warning",
      condition: "`max by (cluster)` of taskSlotsAvailable is below minFreeSlots; not rendered when minFreeSlots is 0",
      threshold: "option minFreeSlots: default 1 for session clusters, 0 for application clusters",
      defaultFor: "5m",
    },
    render: ({ cluster, names, minFreeSlots }) => {
      if (minFreeSlots === 0) return undefined;
      const totalSlots = cluster.taskManagers * cluster.slotsPerTaskManager;
      return {
        severity: "warning",
        expr: `max by (cluster) (${select(cluster, names.slotsAvailable)}) < ${minFreeSlots}`,
        defaultForMs: 5 * MINUTE,
        summary: `Flink cluster ${cluster.clusterName} is running out of task slots`,
        description:
          `Cluster ${cluster.clusterName} has {{ $value }} free task slots, fewer than ${minFreeSlots} (option minFreeSlots), of the ${totalSlots} it should have ` +
          `(${cluster.taskManagers} TaskManagers × ${cluster.slotsPerTaskManager} slots). A job submitted now waits for slots.`,
      };
    },
  },
];

/** One rule group per cluster, named `flink-<clusterName>`. Throws FlinkConfigError when the options have problems. */
export function alertRuleGroup(cluster: MonitoredCluster, options: AlertRuleOptions = {}): PrometheusRuleGroup {
  const problems = checkAlertRuleOptions(options, cluster);
  if (problems.length > 0) throw new FlinkConfigError(problems, `Alert rules of Flink cluster ${cluster.clusterName}:\n  `);
  const context: RuleContext = {
    cluster,
    names: flinkMetricNames(cluster.versionLine),
    backpressureMsPerSecond: options.backpressureMsPerSecond ?? DEFAULT_BACKPRESSURE_MS_PER_SECOND,
    heapUsedRatio: options.heapUsedRatio ?? DEFAULT_HEAP_USED_RATIO,
    minFreeSlots: options.minFreeSlots ?? defaultMinFreeSlots(cluster),
    checkpoint: cluster.checkpointing && checkpointThresholds(cluster.checkpointing),
  };
  const runbookBaseUrl = options.runbookBaseUrl ?? DEFAULT_RUNBOOK_BASE_URL;
  const rules: PrometheusRule[] = [];
  for (const definition of DEFINITIONS) {
    if (options.disabled?.includes(definition.name)) continue;
    const rendered = definition.render(context);
    if (!rendered) continue;
    rules.push({
      alert: definition.name,
      expr: rendered.expr,
      for: options.for?.[definition.name] ?? formatPrometheusDuration(rendered.defaultForMs),
      // The alert's own labels last. `cluster` is on every series already; on the rule it also keeps
      // the rules of several clusters distinct (promtool reports same-named, same-labelled rules as duplicates).
      labels: { ...options.labels, cluster: cluster.clusterName, severity: rendered.severity },
      annotations: {
        summary: rendered.summary,
        description: rendered.description,
        runbook: `${runbookBaseUrl}#${definition.name.toLowerCase()}`,
      },
    });
  }
  return { name: `flink-${cluster.clusterName}`, rules };
}

/** Problems with the options; with `cluster`, also those that depend on it (slots, windows). */
export function checkAlertRuleOptions(options: AlertRuleOptions, cluster?: MonitoredCluster): AlertRuleProblem[] {
  const problems: AlertRuleProblem[] = [];
  const problem = (property: string, value: unknown, rule: string, fix: string) => problems.push({ property, value, rule, fix });
  const knownNames = `one of ${ALERT_NAMES.join(", ")}`;

  for (const [name, value] of Object.entries(options.for ?? {})) {
    const property = `for.${name}`;
    if (!isAlertName(name)) {
      problem(property, value, "is not an alert of FlinkMonitoring", `use ${knownNames}`);
      continue;
    }
    const ms = typeof value === "string" ? parsePrometheusDuration(value) : undefined;
    if (ms === undefined) {
      problem(property, value, "must be a Prometheus duration", 'write units from largest to smallest, e.g. "5m", "1h30m", "90s"');
      continue;
    }
    const window = eventWindowMs(name, cluster);
    if (window !== undefined && ms >= window) {
      problem(property, value, `must be shorter than the ${formatPrometheusDuration(window)} the rule looks back over, or a single event never fires`, `use at most ${formatPrometheusDuration(window - MINUTE)}`);
    }
  }

  const backpressure = options.backpressureMsPerSecond;
  if (backpressure !== undefined && !(Number.isFinite(backpressure) && backpressure > 0 && backpressure <= MAX_BACKPRESSURE_MS_PER_SECOND)) {
    problem("backpressureMsPerSecond", backpressure, "must be above 0 and at most 1000 (ms per second)", `use e.g. ${DEFAULT_BACKPRESSURE_MS_PER_SECOND}; Flink's backPressuredTimeMsPerSecond never exceeds 1000`);
  }

  const ratio = options.heapUsedRatio;
  if (ratio !== undefined && !(Number.isFinite(ratio) && ratio > 0 && ratio < 1)) {
    problem("heapUsedRatio", ratio, "must be between 0 and 1, exclusive (a ratio of used to maximum heap)", `use e.g. ${DEFAULT_HEAP_USED_RATIO} for 90%`);
  }

  const slots = options.minFreeSlots;
  if (slots !== undefined) {
    const totalSlots = cluster && cluster.taskManagers * cluster.slotsPerTaskManager;
    if (!Number.isInteger(slots) || slots < 0) {
      problem("minFreeSlots", slots, "must be a whole number >= 0", "use 0 to leave FlinkSlotsExhausted out");
    } else if (totalSlots !== undefined && slots > totalSlots) {
      problem("minFreeSlots", slots, `must be at most the cluster's ${totalSlots} slots (${cluster!.taskManagers} TaskManagers × ${cluster!.slotsPerTaskManager}), or the alert always fires`, `use at most ${totalSlots}`);
    }
  }

  (options.disabled ?? []).forEach((name, index) => {
    if (!isAlertName(name)) problem(`disabled[${index}]`, name, "is not an alert of FlinkMonitoring", `use ${knownNames}`);
  });

  const runbook = options.runbookBaseUrl;
  if (runbook !== undefined && !(/^https?:\/\/[^\s#]+$/.test(runbook))) {
    problem("runbookBaseUrl", runbook, "must be an http(s) URL without a fragment", "the alert name is appended as the fragment (#flinkjobmanagerdown)");
  }

  for (const name of Object.keys(options.labels ?? {})) {
    if (name === "severity") problem(`labels.${name}`, name, "is set by each alert (critical or warning)", "route on severity instead of overriding it");
    else if (name === "cluster") problem(`labels.${name}`, name, "is set by each alert (the cluster's name, as on its series)", "use another label name");
    else if (!/^[a-zA-Z_][a-zA-Z0-9_]*$/.test(name) || name.startsWith("__")) problem(`labels.${name}`, name, "must be a Prometheus label name ([a-zA-Z_][a-zA-Z0-9_]*, not starting with __)", "use letters, digits and underscores");
  }
  return problems;
}

/** The README's rules table: each alert's condition in words, its threshold's source and its default `for`. */
export function describeAlertRules(): AlertRuleDescription[] {
  return DEFINITIONS.map((definition) => ({ alert: definition.name, ...definition.words }));
}

/** 1 for a session cluster (room for the next job), 0 for an application cluster (its job takes what it needs). */
function defaultMinFreeSlots(cluster: MonitoredCluster): number {
  return cluster.mode === "session" ? 1 : 0;
}

/** The window of an alert that fires on an event within it; its `for` must be shorter. */
function eventWindowMs(name: FlinkAlertName, cluster: MonitoredCluster | undefined): number | undefined {
  if (name === "FlinkJobRestarting") return RESTART_WINDOW_MS;
  if (name === "FlinkCheckpointFailing" && cluster?.checkpointing) return checkpointThresholds(cluster.checkpointing).windowMs;
  return undefined;
}

function isAlertName(name: string): name is FlinkAlertName {
  return (ALERT_NAMES as readonly string[]).includes(name);
}

function checkpointWindowWords(checkpoint: CheckpointThresholds): string {
  const sum = 2 * checkpoint.intervalMs + checkpoint.timeoutMs + SCRAPE_INTERVAL_MS;
  const words = `2 × the ${formatPrometheusDuration(checkpoint.intervalMs)} checkpoint interval + the ${formatPrometheusDuration(checkpoint.timeoutMs)} timeout + 1m for scraping`;
  return sum >= MIN_WINDOW_MS ? words : `at least ${formatPrometheusDuration(MIN_WINDOW_MS)}; ${words} is less`;
}

/** `metric{cluster="<name>",...}`: every selector carries the cluster, so groups of several clusters never mix. */
function select(cluster: MonitoredCluster, metric: string, labels: Readonly<Record<string, string>> = {}): string {
  const matchers = Object.entries({ cluster: cluster.clusterName, ...labels }).map(([name, value]) => `${name}=${JSON.stringify(value)}`);
  return `${metric}{${matchers.join(",")}}`;
}

/** Alternatives of one alert, one a line; `or` binds loosest, so no parentheses are needed. */
function anyOf(...alternatives: string[]): string {
  return alternatives.join("\nor\n");
}

const PROMETHEUS_DURATION_UNITS: ReadonlyArray<{ unit: string; ms: number }> = [
  { unit: "y", ms: 365 * 86_400_000 },
  { unit: "w", ms: 7 * 86_400_000 },
  { unit: "d", ms: 86_400_000 },
  { unit: "h", ms: 3_600_000 },
  { unit: "m", ms: MINUTE },
  { unit: "s", ms: SECOND },
  { unit: "ms", ms: 1 },
];

/** Parses a Prometheus duration ("5m", "1h30m", "0") to milliseconds; undefined when Prometheus would reject it. */
export function parsePrometheusDuration(text: string): number | undefined {
  if (text === "0") return 0;
  // Prometheus's own pattern (model.ParseDuration): each unit at most once, largest first.
  const match = /^(?:(\d+)y)?(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?(?:(\d+)ms)?$/.exec(text);
  if (!match || text === "") return undefined;
  const ms = PROMETHEUS_DURATION_UNITS.reduce((sum, { ms: unitMs }, i) => sum + Number(match[i + 1] ?? 0) * unitMs, 0);
  return Number.isSafeInteger(ms) ? ms : undefined;
}

/** Milliseconds as a Prometheus duration in whole seconds (rounded up) with hours, minutes and seconds: "3m30s". */
export function formatPrometheusDuration(ms: number): string {
  let seconds = Math.ceil(ms / SECOND);
  if (seconds === 0) return "0s";
  let text = "";
  for (const [unit, size] of [["h", 3600], ["m", 60], ["s", 1]] as const) {
    if (seconds >= size) {
      text += `${Math.floor(seconds / size)}${unit}`;
      seconds %= size;
    }
  }
  return text;
}
