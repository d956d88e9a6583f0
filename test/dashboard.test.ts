import * as dashboard from "@grafana/grafana-foundation-sdk/dashboard";
import * as units from "@grafana/grafana-foundation-sdk/units";
import { dashboardExpressions, dashboardPanels, flinkDashboard } from "../lib/monitoring/dashboard";
import { flinkMetricNames } from "../lib/monitoring/metric-names";
import { MonitoredCluster } from "../lib/monitoring/monitored-cluster";
import { parsePromQL } from "./helpers/promql";

const LTS: MonitoredCluster = {
  clusterName: "orders",
  flinkVersion: "1.20.1",
  versionLine: "1.20",
  target: "ec2",
  mode: "application",
  jobManagers: 2,
  taskManagers: 3,
  slotsPerTaskManager: 2,
  checkpointing: { intervalMs: 60_000, timeoutMs: 600_000 },
  metricsPort: 9249,
};

const NEWEST: MonitoredCluster = {
  clusterName: "analytics",
  flinkVersion: "2.3.0",
  versionLine: "2.3",
  target: "kubernetes",
  mode: "session",
  namespace: "flink",
  jobManagers: 1,
  taskManagers: 5,
  slotsPerTaskManager: 4,
  metricsPort: 9249,
};

type Json = Record<string, any>;

/** Top-level panels followed by the panels of collapsed rows. */
function panelsOf(model: Json): Json[] {
  return (model.panels as Json[]).flatMap((p) => [p, ...((p.panels as Json[] | undefined) ?? [])]);
}

function contentPanels(model: Json): Json[] {
  return panelsOf(model).filter((p) => p.type !== "row");
}

function panel(model: Json, title: string): Json {
  const found = contentPanels(model).find((p) => p.title === title);
  if (!found) throw new Error(`no panel "${title}"`);
  return found;
}

/** Every metric name flinkMetricNames knows for a line (role functions applied to both roles). */
function knownMetricNames(versionLine: string): Set<string> {
  const names = flinkMetricNames(versionLine);
  const out = new Set<string>();
  for (const value of Object.values(names)) {
    if (typeof value === "string") out.add(value);
    else for (const role of ["jobmanager", "taskmanager"] as const) out.add((value as (r: typeof role) => string)(role));
  }
  return out;
}

describe("parsePromQL", () => {
  test("a good expression has no errors", () => {
    expect(parsePromQL("up").errors).toEqual([]);
    expect(parsePromQL('sum by (job) (rate(http_requests_total{code=~"5.."}[5m])) > 0').errors).toEqual([]);
  });

  test.each(["sum(rate(x[5m]", "x{", "1 +", 'x{a="b"', "rate(x[5m]) by (a)", ""])("%j yields errors", (expr) => {
    expect(parsePromQL(expr).errors.length).toBeGreaterThan(0);
  });

  test("metric and label names of a selector in rate()", () => {
    const parsed = parsePromQL('rate(x{a="b"}[5m])');
    expect(parsed.errors).toEqual([]);
    expect(parsed.metricNames).toEqual(["x"]);
    expect(parsed.labelNames).toEqual(["a"]);
    expect(parsed.selectors).toEqual([{ metric: "x", matchers: [{ label: "a", op: "=", value: "b" }] }]);
  });

  test("label names of by, without, on, ignoring and group_left", () => {
    expect(parsePromQL("sum by (c) (rate(x[5m]))").labelNames).toEqual(["c"]);
    const parsed = parsePromQL("x / on(i) y");
    expect(parsed.metricNames).toEqual(["x", "y"]);
    expect(parsed.labelNames).toEqual(["i"]);
    const joined = parsePromQL("max without (w) (x) * ignoring(k) group_left(g) y");
    expect(joined.errors).toEqual([]);
    expect(joined.labelNames).toEqual(["w", "k", "g"]);
  });

  test("metrics inside absent() and other functions count", () => {
    const parsed = parsePromQL('absent(up{job="flink"}) or absent_over_time(z[5m])');
    expect(parsed.errors).toEqual([]);
    expect(parsed.metricNames).toEqual(["up", "z"]);
    expect(parsed.labelNames).toEqual(["job"]);
  });

  test("quoted and __name__ metric names", () => {
    const quoted = parsePromQL('{"a.b", "x.y"="z"}');
    expect([quoted.errors, quoted.metricNames, quoted.labelNames]).toEqual([[], ["a.b"], ["x.y"]]);
    expect(parsePromQL('{__name__="m", c="d"}').metricNames).toEqual(["m"]);
  });

  test("Grafana macros and variables", () => {
    const rate = parsePromQL('increase(x{c="$cluster", j=~"$job"}[$__rate_interval])');
    expect(rate.errors).toEqual([]);
    expect(rate.variables).toEqual([]); // inside strings: valid PromQL as they are
    expect(rate.selectors[0].matchers).toEqual([
      { label: "c", op: "=", value: "$cluster" },
      { label: "j", op: "=~", value: "$job" },
    ]);
    for (const expr of ["sum_over_time(x[$__range])", "avg_over_time(x[${__interval}])", "x offset $__interval", "x[$window]"]) {
      expect(parsePromQL(expr).errors).toEqual([]);
    }
    const topk = parsePromQL("topk($n, x)");
    expect(topk.errors).toEqual([]);
    expect(topk.variables).toEqual(["n"]);
    expect(topk.metricNames).toEqual(["x"]); // the placeholder is no metric
  });
});

describe.each([
  ["1.20", LTS],
  ["2.3", NEWEST],
])("dashboard for a %s cluster", (_line, cluster) => {
  const model = flinkDashboard(cluster) as Json;
  const expressions = dashboardExpressions(model);
  const targetExprs = contentPanels(model).flatMap((p) => (p.targets as Json[]).map((t) => t.expr as string));

  test("is plain JSON with the SDK's current schemaVersion", () => {
    expect(model.schemaVersion).toBe(dashboard.defaultDashboard().schemaVersion);
    expect(model.schemaVersion).toBe(42);
    expect(JSON.parse(JSON.stringify(model))).toEqual(model);
  });

  test("has the fields of the SDK's Dashboard type", () => {
    // The model is the SDK's Dashboard as JSON: read it through that type.
    const typed = model as unknown as dashboard.Dashboard;
    expect(typed.uid).toBe(`flink-${cluster.clusterName}`);
    expect(typed.title).toBe(`Flink ${cluster.clusterName}`);
    for (const key of Object.keys(dashboard.defaultDashboard())) expect(model).toHaveProperty(key);
    const variableTypes = Object.values(dashboard.VariableType) as string[];
    for (const variable of typed.templating.list ?? []) {
      expect(variableTypes).toContain(variable.type);
      expect(variable.name).toMatch(/^[a-z]+$/);
    }
    const knownUnits = new Set<string>(Object.values(units) as string[]);
    for (const p of contentPanels(model) as dashboard.Panel[]) {
      for (const key of Object.keys(dashboard.defaultPanel())) expect(p).toHaveProperty(key);
      const unit = p.fieldConfig?.defaults.unit;
      expect(unit).toBeDefined();
      if (!/^(suffix|count):./.test(unit!)) expect(knownUnits).toContain(unit);
      expect(p.fieldConfig?.defaults.thresholds?.steps[0]).toEqual(expect.objectContaining({ value: null }));
    }
  });

  test("every panel is of a current type, positioned on the grid, with a unique id", () => {
    const all = panelsOf(model);
    expect(new Set(all.map((p) => p.type))).toEqual(new Set(["row", "stat", "timeseries"]));
    const ids = all.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    const cells = new Set<string>();
    for (const p of all) {
      const { x, y, w, h } = p.gridPos as { x: number; y: number; w: number; h: number };
      for (const v of [x, y, w, h]) expect(Number.isInteger(v)).toBe(true);
      expect(x + w).toBeLessThanOrEqual(24);
      for (let i = x; i < x + w; i++) {
        for (let j = y; j < y + h; j++) {
          expect(cells.has(`${i},${j}`)).toBe(false); // no overlaps
          cells.add(`${i},${j}`);
        }
      }
    }
  });

  test("every panel, query and query variable reads the datasource variable", () => {
    const ref = { type: "prometheus", uid: "${datasource}" };
    for (const p of contentPanels(model)) {
      expect(p.datasource).toEqual(ref);
      expect(p.targets.length).toBeGreaterThan(0);
      for (const t of p.targets as Json[]) {
        expect(t.datasource).toEqual(ref);
        expect(t.refId).toMatch(/^[A-Z]$/);
      }
    }
    const list = model.templating.list as Json[];
    expect(list.map((v) => [v.name, v.type])).toEqual([
      ["datasource", "datasource"],
      ["cluster", "query"],
      ["job", "query"],
    ]);
    expect(list[0].query).toBe("prometheus");
    for (const v of list.slice(1)) expect(v.datasource).toEqual(ref);
  });

  test("the cluster variable defaults to the cluster; the job variable is multi with All", () => {
    const [, clusterVar, jobVar] = model.templating.list as Json[];
    expect(clusterVar.current).toEqual(expect.objectContaining({ text: cluster.clusterName, value: cluster.clusterName }));
    expect(clusterVar.query).toMatch(/^label_values\(flink_jobmanager_numRegisteredTaskManagers, cluster\)$/);
    const restarts = flinkMetricNames(cluster.versionLine).jobRestarts;
    expect(jobVar.query).toBe(`label_values(${restarts}{cluster="$cluster"}, job_name)`);
    expect(jobVar).toEqual(expect.objectContaining({ multi: true, includeAll: true, allValue: ".*" }));
  });

  test("every variable used is defined", () => {
    const defined = new Set((model.templating.list as Json[]).map((v) => v.name as string));
    const texts = [
      ...expressions,
      ...contentPanels(model).flatMap((p) => [p.title, p.datasource.uid, ...(p.targets as Json[]).map((t) => t.datasource.uid)]),
    ];
    const used = new Set<string>();
    for (const text of texts) {
      for (const m of (text as string).matchAll(/\$(?:\{([A-Za-z0-9_]+)[^}]*\}|([A-Za-z0-9_]+))/g)) {
        const name = m[1] ?? m[2];
        if (!name.startsWith("__")) used.add(name);
      }
    }
    expect([...used].sort()).toEqual(["cluster", "datasource", "job"]);
    for (const name of used) expect(defined).toContain(name);
  });

  test("every expression parses", () => {
    expect(expressions.length).toBe(targetExprs.length + 2);
    for (const expr of expressions) expect({ expr, errors: parsePromQL(expr).errors }).toEqual({ expr, errors: [] });
  });

  test("every metric is one of flinkMetricNames, none deprecated or per GC collector", () => {
    const known = knownMetricNames(cluster.versionLine);
    const used = new Set(expressions.flatMap((e) => parsePromQL(e).metricNames));
    for (const name of used) expect(known).toContain(name);
    for (const name of used) {
      expect(name).not.toMatch(/fullRestarts|uptime|downtime/i);
      if (name.includes("GarbageCollector")) expect(name).toContain("_GarbageCollector_All_");
    }
    const json = JSON.stringify(model);
    expect(json).not.toMatch(/fullRestarts|_uptime|_downtime/);
    expect(json).not.toMatch(/G1_|PS_Scavenge|PS_MarkSweep|ConcurrentMarkSweep|ParNew|MarkSweepCompact|Copy_|ZGC|Shenandoah/);
    // Every panel of the brief's list reads at least one series.
    const names = flinkMetricNames(cluster.versionLine);
    for (const key of ["runningJobs", "jobRestarts", "jobRunningTime", "recordsInPerSecond", "recordsOutPerSecond",
      "backPressuredTime", "busyTime", "lastCheckpointDuration", "lastCheckpointSize", "failedCheckpoints",
      "completedCheckpoints", "registeredTaskManagers", "slotsTotal", "slotsAvailable", "managedMemoryUsed",
      "managedMemoryTotal", "kafkaRecordsLagMax"] as const) {
      expect(used).toContain(names[key]);
    }
    for (const role of ["jobmanager", "taskmanager"] as const) {
      for (const name of [names.heapUsed(role), names.heapMax(role), names.gcTimePerSecond(role)]) expect(used).toContain(name);
    }
  });

  test("every panel query selects $cluster, and per-job series $job", () => {
    for (const expr of targetExprs) {
      const { selectors } = parsePromQL(expr);
      expect(selectors.length).toBeGreaterThan(0);
      for (const s of selectors) {
        expect({ expr, matchers: s.matchers }).toEqual({ expr, matchers: expect.arrayContaining([{ label: "cluster", op: "=", value: "$cluster" }]) });
        if (/^flink_(jobmanager|taskmanager)_job_/.test(s.metric)) {
          expect({ expr, matchers: s.matchers }).toEqual({ expr, matchers: expect.arrayContaining([{ label: "job_name", op: "=~", value: "$job" }]) });
        }
      }
    }
  });

  test("counters use increase() over $__rate_interval, never delta()", () => {
    for (const expr of expressions) {
      expect(expr).not.toMatch(/\b(delta|idelta)\(/);
      if (/\b(rate|increase|irate)\(/.test(expr)) expect(expr).toMatch(/\[\$__rate_interval\]/);
    }
    const names = flinkMetricNames(cluster.versionLine);
    for (const counter of [names.jobRestarts, names.failedCheckpoints, names.completedCheckpoints]) {
      expect(targetExprs.some((e) => e.includes(`increase(${counter}{`))).toBe(true);
    }
  });

  test("is deterministic", () => {
    expect(JSON.stringify(flinkDashboard(cluster))).toBe(JSON.stringify(model));
    expect(JSON.stringify(model)).not.toMatch(/\d{4}-\d{2}-\d{2}T\d{2}:/); // no timestamps
  });

  test("the expected TaskManagers and slots follow the cluster", () => {
    const tms = panel(model, "Registered TaskManagers");
    expect(tms.fieldConfig.defaults.thresholds.steps).toEqual([
      { value: null, color: "red" },
      { value: cluster.taskManagers, color: "green" },
    ]);
    expect(tms.fieldConfig.defaults.custom.thresholdsStyle.mode).toBe("dashed");
    expect(tms.description).toContain(`${cluster.taskManagers}`);
    const slots = panel(model, "Task slots");
    const expectedSlots = cluster.taskManagers * cluster.slotsPerTaskManager;
    expect(slots.fieldConfig.defaults.thresholds.steps.map((s: Json) => s.value)).toEqual([null, expectedSlots]);
    expect(slots.targets.map((t: Json) => t.legendFormat)).toEqual(["slots total", "slots available"]);
  });

  test("checkpoint duration thresholds follow the checkpointing settings", () => {
    const duration = panel(model, "Last checkpoint duration");
    const steps = duration.fieldConfig.defaults.thresholds.steps as Json[];
    if (cluster.checkpointing) {
      expect(steps.map((s) => s.value)).toEqual([null, cluster.checkpointing.intervalMs, cluster.checkpointing.timeoutMs]);
      expect(duration.fieldConfig.defaults.custom.thresholdsStyle.mode).toBe("dashed");
    } else {
      expect(steps).toEqual([{ value: null, color: "green" }]);
      expect(duration.fieldConfig.defaults.custom.thresholdsStyle.mode).toBe("off");
    }
  });

  test("running jobs is red at zero only for an application cluster", () => {
    const steps = panel(model, "Running jobs").fieldConfig.defaults.thresholds.steps as Json[];
    expect(steps[0].color).toBe(cluster.mode === "application" ? "red" : "green");
  });

  test("units", () => {
    const unit = (title: string): string => panel(model, title).fieldConfig.defaults.unit;
    expect(unit("Job running time")).toBe("ms");
    expect(unit("Last checkpoint duration")).toBe("ms");
    expect(unit("Last checkpoint size")).toBe("bytes");
    expect(unit("JobManager heap")).toBe("bytes");
    expect(unit("TaskManager heap")).toBe("bytes");
    expect(unit("Managed memory used / total")).toBe("bytes");
    expect(unit("Managed memory usage")).toBe("percentunit");
    expect(unit("Records in per second")).toBe("count:rec/s");
    for (const title of ["Backpressured time (max subtask)", "Busy time (max subtask)"]) {
      expect(unit(title)).toBe("suffix:ms/s");
      expect(panel(model, title).fieldConfig.defaults).toEqual(expect.objectContaining({ min: 0, max: 1000 }));
    }
    expect(unit("GC time (all collectors)")).toBe("suffix:ms/s");
  });

  test("heap panels show used and max per process of each role", () => {
    const names = flinkMetricNames(cluster.versionLine);
    for (const [title, role] of [["JobManager heap", "jobmanager"], ["TaskManager heap", "taskmanager"]] as const) {
      const exprs = (panel(model, title).targets as Json[]).map((t) => t.expr as string);
      expect(exprs).toEqual([
        `sum by (instance) (${names.heapUsed(role)}{cluster="$cluster"})`,
        `sum by (instance) (${names.heapMax(role)}{cluster="$cluster"})`,
      ]);
    }
  });

  test("the Kafka panel says it shows data only with a Kafka source", () => {
    expect(panel(model, "Kafka consumer lag (max)").description).toMatch(/only for jobs with a Kafka source/);
  });

  test("rows and panels", () => {
    expect(dashboardPanels(model)).toEqual([
      { row: "Jobs", panels: ["Running jobs", "Job running time", "Job restarts"] },
      { row: "Throughput", panels: ["Records in per second", "Records out per second"] },
      { row: "Backpressure and busy time", panels: ["Backpressured time (max subtask)", "Busy time (max subtask)"] },
      { row: "Checkpoints", panels: ["Last checkpoint duration", "Last checkpoint size", "Failed checkpoints", "Completed checkpoints"] },
      { row: "TaskManagers and slots", panels: ["Registered TaskManagers", "Task slots"] },
      { row: "JVM", panels: ["JobManager heap", "TaskManager heap", "GC time (all collectors)"] },
      { row: "Managed memory", panels: ["Managed memory used / total", "Managed memory usage"] },
      { row: "Kafka", panels: ["Kafka consumer lag (max)"] },
    ]);
    // Expanded rows: their panels follow them at the top level.
    for (const row of (model.panels as Json[]).filter((p) => p.type === "row")) {
      expect(row.collapsed).toBe(false);
      expect(row.panels).toEqual([]);
    }
  });
});

describe("dashboard options", () => {
  test("title, uid, tags and data source regex", () => {
    const model = flinkDashboard(LTS, { title: "Orders", uid: "orders_prod", tags: ["prod"], datasourceRegex: "/^Prom-prod$/" }) as Json;
    expect(model).toEqual(expect.objectContaining({ title: "Orders", uid: "orders_prod", tags: ["prod"] }));
    expect(model.templating.list[0].regex).toBe("/^Prom-prod$/");
    expect(flinkDashboard(LTS).tags).toEqual(["flink", "cdktf-flink"]);
  });

  test("a long cluster name gives a stable uid of at most 40 characters", () => {
    const long = (name: string): string => flinkDashboard({ ...LTS, clusterName: name }).uid as string;
    const a = long("a-very-long-cluster-name-for-the-orders-x");
    expect(a.length).toBeLessThanOrEqual(40);
    expect(a).toMatch(/^flink-a-very-long-[a-z0-9-]*-[0-9a-f]{8}$/);
    expect(long("a-very-long-cluster-name-for-the-orders-x")).toBe(a);
    expect(long("a-very-long-cluster-name-for-the-orders-y")).not.toBe(a);
    expect(long("a".repeat(34))).toBe(`flink-${"a".repeat(34)}`);
  });

  test("an invalid uid is refused", () => {
    expect(() => flinkDashboard(LTS, { uid: "has space" })).toThrow(/uid/);
    expect(() => flinkDashboard(LTS, { uid: "x".repeat(41) })).toThrow(/uid/);
  });
});
