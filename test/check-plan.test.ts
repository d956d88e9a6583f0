import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { KubernetesProvider } from "@cdktf/provider-kubernetes/lib/provider";
import { App, TerraformStack, Testing } from "cdktf";
import { UpgradeWalkthroughOptions, upgradeWalkthroughAfter, upgradeWalkthroughBefore, upgradeWalkthroughStack, UPGRADE_WALKTHROUGH_STACK } from "../examples/upgrade-walkthrough/main";
import { FlinkCluster, FlinkHA, FlinkTarget, FlinkVersion } from "../lib";
import { PlanFinding, checkPlan, main } from "../lib/cli/check-plan";
import { ClusterDeploymentFacts } from "../lib/plan-guard";
import { terraformAvailability } from "./helpers/terraform";
import { OfflineTerraform, TerraformPlan, TerraformState, appliedState, effectiveChanges } from "./helpers/terraform-state";

/**
 * `cdktf-flink check-plan`: each rule and acknowledgement on small hand-made plans, then on real
 * `terraform plan` JSON of the upgrade walkthrough (examples/upgrade-walkthrough), planned offline
 * against the state its first version would leave (test/helpers/terraform-state.ts).
 */

// ---------------------------------------------------------------------------------------------------
// Hand-made plans

const JM = "aws_instance.orders_jm";
const TM_TEMPLATE = "aws_launch_template.orders_tm";
const TM_GROUP = "aws_autoscaling_group.orders_tm";
const BUCKET = "aws_s3_bucket.state";
const ZK_VOLUME = "aws_ebs_volume.zk_data1";

function facts(overrides: Partial<ClusterDeploymentFacts> = {}): ClusterDeploymentFacts {
  return {
    cluster: "orders",
    flinkVersion: "1.20",
    runtime: "tarball 1.20.1",
    mode: "session",
    ha: "none",
    haClusterId: "",
    stateful: true,
    restorePath: "",
    acknowledged: [],
    resources: { jobManager: [JM], taskManagers: [TM_TEMPLATE, TM_GROUP], state: [BUCKET], haData: [] },
    ...overrides,
  };
}

type Change = { address: string; actions: string[]; before?: object; after?: object };
function plan(before: ClusterDeploymentFacts | null, after: ClusterDeploymentFacts | null, changes: Change[] = []): object {
  return {
    format_version: "1.2",
    terraform_version: "1.11.4",
    output_changes: { "orders-deployment": { actions: ["update"], before, after } },
    resource_changes: changes.map((c) => ({ address: c.address, mode: "managed", type: c.address.split(".")[0], change: { actions: c.actions, before: c.before ?? {}, after: c.after ?? {}, after_unknown: {} } })),
  };
}
const REPLACE = ["delete", "create"];
const rules = (findings: PlanFinding[]) => findings.map((f) => `${f.rule} ${f.cluster}${f.address ? ` ${f.address}` : ""}${f.acknowledged ? ` (${f.acknowledged.by}: ${f.acknowledged.reason})` : ""}`);

describe("checkPlan on hand-made plans", () => {
  test("replace-without-ha: a replaced, destroyed or rolled JobManager or TaskManagers of a stateful cluster without HA", () => {
    const changes: Change[] = [
      { address: JM, actions: REPLACE },
      { address: TM_TEMPLATE, actions: ["update"], before: { user_data: "a", tags: { a: "1" } }, after: { user_data: "b", tags: { a: "1" } } },
      { address: TM_GROUP, actions: ["update"], before: { desired_capacity: 2 }, after: { desired_capacity: 3 } },
    ];
    const findings = checkPlan(plan(facts(), facts(), changes));
    expect(rules(findings)).toEqual([`replace-without-ha orders ${TM_TEMPLATE}`, `replace-without-ha orders ${JM}`]);
    expect(findings.find((f) => f.address === JM)!.message).toMatch(/aws_instance.orders_jm \(JobManager\) is replaced, and the cluster has no HA: its running jobs are lost/);
    expect(findings.find((f) => f.address === TM_TEMPLATE)!.message).toMatch(/\(TaskManagers\) is restarted \(rolling update\)/);
    expect(rules(checkPlan(plan(facts(), null, [{ address: JM, actions: ["delete"] }])))).toEqual([`replace-without-ha orders ${JM}`]);
    // With HA, or with no state to lose, or a tags-only update, or a group's sizes: nothing.
    expect(checkPlan(plan(facts({ ha: "zookeeper", haClusterId: "/flink/orders" }), facts({ ha: "zookeeper", haClusterId: "/flink/orders" }), changes))).toEqual([]);
    expect(checkPlan(plan(facts({ stateful: false }), facts({ stateful: false }), changes))).toEqual([]);
    expect(checkPlan(plan(facts(), facts(), [{ address: TM_TEMPLATE, actions: ["update"], before: { tags: { a: "1" } }, after: { tags: { a: "2" } } }, changes[2]]))).toEqual([]);
  });

  test("replace-without-ha on Kubernetes: a changed pod template rolls, a replica count does not", () => {
    const k8s = facts({ resources: { jobManager: ["kubernetes_deployment_v1.jm"], taskManagers: ["kubernetes_stateful_set_v1.tm"], state: [], haData: [] } });
    const template = (annotation: string, replicas = 1) => ({ spec: [{ replicas, template: [{ metadata: [{ annotations: { "cdktf-flink/config-sha256": annotation } }] }] }] });
    const rolled = checkPlan(plan(k8s, k8s, [{ address: "kubernetes_deployment_v1.jm", actions: ["update"], before: template("a"), after: template("b") }]));
    expect(rules(rolled)).toEqual(["replace-without-ha orders kubernetes_deployment_v1.jm"]);
    expect(checkPlan(plan(k8s, k8s, [{ address: "kubernetes_stateful_set_v1.tm", actions: ["update"], before: template("a", 2), after: template("a", 3) }]))).toEqual([]);
  });

  test("upgrade-without-restore: a new version or runtime needs a new restore path", () => {
    const upgraded = facts({ flinkVersion: "2.3", runtime: "tarball 2.3.0", ha: "zookeeper" });
    const before = facts({ ha: "zookeeper" });
    const [finding] = checkPlan(plan(before, upgraded));
    expect(finding).toMatchObject({ rule: "upgrade-without-restore", cluster: "orders" });
    expect(finding.message).toBe("Flink 1.20 -> 2.3 (tarball 1.20.1 -> tarball 2.3.0) with no restore path: the jobs start from empty state. Take a savepoint (cdktf-flink savepoint --stop) and set restore.path to it");
    expect(checkPlan(plan(before, { ...upgraded, restorePath: "s3://b/orders/savepoints/savepoint-1" }))).toEqual([]);
    const stale = checkPlan(plan({ ...before, restorePath: "s3://b/sp-1" }, { ...upgraded, restorePath: "s3://b/sp-1" }));
    expect(stale[0].message).toMatch(/with restore path s3:\/\/b\/sp-1, the one already applied \(stale\)/);
    expect(checkPlan(plan(before, { ...before, runtime: "image flink:1.20.2-java17" }))[0].message).toMatch(/^runtime tarball 1.20.1 -> image flink:1.20.2-java17 with no restore path/);
    expect(checkPlan(plan(facts({ stateful: false }), { ...upgraded, stateful: false }))).toEqual([]);
  });

  test("destroys-state and destroys-ha-data: the bucket, ZooKeeper's volumes, Kubernetes HA's namespace", () => {
    const ha = facts({ ha: "zookeeper", haClusterId: "/flink/orders", resources: { jobManager: [], taskManagers: [], state: [BUCKET], haData: [ZK_VOLUME] } });
    const findings = checkPlan(plan(ha, ha, [{ address: BUCKET, actions: ["delete"] }, { address: ZK_VOLUME, actions: REPLACE }]));
    expect(rules(findings)).toEqual([`destroys-state orders ${BUCKET}`, `destroys-ha-data orders ${ZK_VOLUME}`]);
    expect(findings[0].message).toBe(`${BUCKET} (state storage) is destroyed: every checkpoint and savepoint of the cluster is lost`);
    const k8s = facts({ ha: "kubernetes", haClusterId: "orders", resources: { jobManager: [], taskManagers: [], state: [], haData: ["kubernetes_namespace_v1.ns"] } });
    expect(rules(checkPlan(plan(k8s, k8s, [{ address: "kubernetes_namespace_v1.ns", actions: ["delete"] }])))).toEqual(["destroys-ha-data orders kubernetes_namespace_v1.ns"]);
    expect(checkPlan(plan(ha, ha, [{ address: BUCKET, actions: ["update"] }]))).toEqual([]);
  });

  test("ha-cluster-id-changed: a new id, another kind of HA, or HA turned off", () => {
    const zk = facts({ ha: "zookeeper", haClusterId: "/flink/orders" });
    expect(checkPlan(plan(zk, { ...zk, haClusterId: "/flink-v2/orders" }))[0]).toMatchObject({
      rule: "ha-cluster-id-changed",
      message: expect.stringMatching(/^HA cluster id zookeeper \/flink\/orders -> zookeeper \/flink-v2\/orders: the running jobs' HA metadata stays behind/),
    });
    expect(checkPlan(plan(zk, facts()))[0].message).toMatch(/-> no HA/);
    expect(checkPlan(plan(zk, zk))).toEqual([]);
  });

  test("a new cluster loses nothing; one first planned with facts is judged by them when its resources exist", () => {
    expect(checkPlan(plan(null, facts(), [{ address: JM, actions: ["create"] }]))).toEqual([]);
    expect(rules(checkPlan(plan(null, facts(), [{ address: JM, actions: REPLACE }])))).toEqual([`replace-without-ha orders ${JM}`]);
  });

  test("acknowledgements: a flag for rule and cluster, or the cluster's setting; others stay refused", () => {
    const upgraded = facts({ flinkVersion: "2.3", runtime: "tarball 2.3.0", acknowledged: [{ rule: "replace-without-ha", reason: "maintenance window" }] });
    const p = plan(facts(), upgraded, [{ address: JM, actions: REPLACE }, { address: BUCKET, actions: ["delete"] }]);
    const findings = checkPlan(p, [{ rule: "upgrade-without-restore", cluster: "orders", reason: "fresh start" }, { rule: "destroys-state", cluster: "reports", reason: "other cluster" }]);
    expect(rules(findings)).toEqual([
      `replace-without-ha orders ${JM} (setting: maintenance window)`,
      "upgrade-without-restore orders (flag: fresh start)",
      `destroys-state orders ${BUCKET}`,
    ]);
  });

  test("not a plan: a clear error", () => {
    expect(() => checkPlan({ format_version: "1.0", values: {} })).toThrow(/not a terraform plan: .* \(it looks like a state: give the plan/);
    expect(() => checkPlan([])).toThrow(/not a terraform plan/);
  });
});

// ---------------------------------------------------------------------------------------------------
// The command

/** Runs main() with console captured. */
function run(args: string[]): { code: number; out: string; err: string } {
  const out: string[] = [];
  const err: string[] = [];
  const log = jest.spyOn(console, "log").mockImplementation((...a) => void out.push(a.join(" ")));
  const error = jest.spyOn(console, "error").mockImplementation((...a) => void err.push(a.join(" ")));
  try {
    return { code: main(args), out: out.join("\n"), err: err.join("\n") };
  } finally {
    log.mockRestore();
    error.mockRestore();
  }
}

describe("check-plan command", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "check-plan-"));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  const write = (name: string, content: unknown) => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, typeof content === "string" ? content : JSON.stringify(content));
    return file;
  };

  test("refuses with one line per finding (exit 1); passes acknowledged ones with their reason (exit 0)", () => {
    const file = write("upgrade.json", plan(facts(), facts({ flinkVersion: "2.3", runtime: "tarball 2.3.0" }), [{ address: JM, actions: REPLACE }]));
    const refused = run([file]);
    expect(refused.code).toBe(1);
    expect(refused.err.split("\n")).toEqual([
      expect.stringMatching(/^refused: \[replace-without-ha\] orders: aws_instance.orders_jm \(JobManager\) is replaced/),
      expect.stringMatching(/^refused: \[upgrade-without-restore\] orders: Flink 1.20 -> 2.3/),
      expect.stringMatching(/^check-plan: 2 unsafe change\(s\) refused; acknowledge one with --acknowledge <rule>:<cluster>=<reason>/),
    ]);
    const passed = run([file, "--acknowledge", "replace-without-ha:orders=maintenance window", "--acknowledge=upgrade-without-restore:orders=fresh start"]);
    expect(passed).toMatchObject({ code: 0, err: "" });
    expect(passed.out).toMatch(/^acknowledged: \[replace-without-ha\] orders: .* \(maintenance window\)$/m);
    expect(passed.out).toMatch(/^acknowledged: \[upgrade-without-restore\] orders: .* \(fresh start\)$/m);
    expect(passed.out).toMatch(/^check-plan: ok, 1 cluster\(s\), 1 resource change\(s\), 2 acknowledged$/m);
  });

  test("usage errors and unreadable plans exit 2 with a clear line", () => {
    const cases: Array<[string[], RegExp]> = [
      [[path.join(dir, "missing.json")], /^check-plan: cannot read .*missing.json: ENOENT/],
      [[write("broken.json", "{ not json")], /^check-plan: .*broken.json is not JSON \(.*\): give the output of `terraform show -json <planfile>`/],
      [[write("state.json", { format_version: "1.0", values: { root_module: {} } })], /^check-plan: not a terraform plan: .*it looks like a state/],
      [[], /^check-plan: give the plan's JSON file/],
      [[write("ok.json", plan(facts(), facts())), "--acknowledge", "no-such-rule:orders=why"], /^check-plan: --acknowledge.rule is not a check-plan rule \(replace-without-ha, /],
      [[write("ok2.json", plan(facts(), facts())), "--acknowledge", "destroys-state:orders="], /^check-plan: --acknowledge.reason must say why the loss is accepted/],
      [[write("ok3.json", plan(facts(), facts())), "--acknowledge", "destroys-state"], /^check-plan: --acknowledge "destroys-state" must be <rule>:<cluster>=<reason>/],
    ];
    for (const [args, message] of cases) {
      const result = run(args);
      expect({ args, code: result.code }).toEqual({ args, code: 2 });
      expect(result.err).toMatch(message);
      expect(result.err).toMatch(/usage: cdktf-flink check-plan <plan.json>/);
    }
  });
});

// ---------------------------------------------------------------------------------------------------
// The cluster setting and the facts output

describe("acknowledgeUnsafeChanges and the <clusterName>-deployment output", () => {
  test("the setting is checked: known rule ids, a reason each", () => {
    const stack = new TerraformStack(Testing.app(), "prod");
    expect(
      () =>
        new FlinkCluster(stack, "orders", {
          version: FlinkVersion.V2_3,
          acknowledgeUnsafeChanges: [
            { rule: "destroy-state", reason: "moved" },
            { rule: "destroys-state", reason: " " },
          ],
        }),
    ).toThrow(
      /acknowledgeUnsafeChanges\[0\]\.rule is not a check-plan rule \(replace-without-ha, upgrade-without-restore, destroys-state, destroys-ha-data, ha-cluster-id-changed\) \(got "destroy-state"\)[\s\S]*acknowledgeUnsafeChanges\[1\]\.reason must say why the loss is accepted/,
    );
  });

  test("Kubernetes HA: the namespace is HA data; the setting and the facts reach the output", () => {
    const app = Testing.app();
    const stack = new TerraformStack(app, "k8s");
    new KubernetesProvider(stack, "kubernetes", {});
    new FlinkCluster(stack, "payments", {
      version: FlinkVersion.V2_3,
      target: FlinkTarget.kubernetes({ namespace: { name: "flink-payments" }, image: "flink:2.3.0-java17", jobManager: { replicas: 2 }, taskManagers: { replicas: 2 } }),
      ha: new FlinkHA(stack, "ha", { kubernetes: {}, storageDir: "s3://payments-state/ha" }),
      checkpointing: { interval: "30 s", directory: "s3://payments-state/payments/checkpoints" },
      acknowledgeUnsafeChanges: [{ rule: "destroys-ha-data", reason: "namespace moves to the platform stack" }],
    });
    const output = JSON.parse(Testing.synth(stack)).output["payments-deployment"].value;
    expect(output).toEqual({
      cluster: "payments",
      flinkVersion: "2.3",
      runtime: "image flink:2.3.0-java17",
      mode: "session",
      ha: "kubernetes",
      haClusterId: "payments",
      stateful: true,
      restorePath: "",
      acknowledged: [{ rule: "destroys-ha-data", reason: "namespace moves to the platform stack" }],
      resources: {
        jobManager: [expect.stringMatching(/^kubernetes_deployment_v1\.payments_Kubernetes_JobManager_/)],
        taskManagers: [expect.stringMatching(/^kubernetes_deployment_v1\.payments_Kubernetes_TaskManagers_/)],
        state: [],
        haData: [expect.stringMatching(/^kubernetes_namespace_v1\.payments_Kubernetes_Namespace_/)],
      },
    });
  });
});

// ---------------------------------------------------------------------------------------------------
// Real terraform plans of the walkthrough

const availability = terraformAvailability();
if (!availability.ok) {
  // Loud on purpose: a skipped plan must never read as a passed one.
  console.warn(`SKIPPED: check-plan on real terraform plans (test/check-plan.test.ts) did not run: ${availability.reason}`);
}
const planTest = availability.ok ? test : test.skip;
const VARIABLES = { ami_id: "ami-0123456789abcdef0", zookeeper_tarball_sha512: "0".repeat(128), orders_flink_tarball_sha512: "1".repeat(128), reports_flink_tarball_sha512: "2".repeat(128) };

/** Synthesizes one version of the walkthrough into its own folder (the stack id stays the same) and returns its Terraform JSON. */
function synthVersion(root: string, name: string, add: (app: App) => void): string {
  const app = new App({ outdir: path.join(root, name) });
  add(app);
  app.synth();
  return path.join(root, name, "stacks", UPGRADE_WALKTHROUGH_STACK, "cdk.tf.json");
}

const BEFORE: UpgradeWalkthroughOptions = { orders: { version: FlinkVersion.V1_20, release: "1.20.1" }, reports: { version: FlinkVersion.V1_20, release: "1.20.1" } };
const VARIANTS: Record<string, (app: App) => void> = {
  after: upgradeWalkthroughAfter,
  "reports-upgraded-without-restore": (app) => upgradeWalkthroughStack(app, { ...BEFORE, reports: { version: FlinkVersion.V2_3, release: "2.3.0" } }),
  "state-bucket-imported": (app) => upgradeWalkthroughStack(app, { ...BEFORE, importStateBucket: true }),
  "zookeeper-path-root-changed": (app) => upgradeWalkthroughStack(app, { ...BEFORE, zookeeperPathRoot: "/flink-v2" }),
};

describe("check-plan on real terraform plans of the upgrade walkthrough (offline)", () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "check-plan-walkthrough-"));
  const plans: Record<string, TerraformPlan> = {};
  let planFiles: Record<string, string> = {};
  let baseline: { state: TerraformState; plans: number; plan: TerraformPlan } | undefined;
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

  // One working directory, one init: the state of version A, then a plan of each version against it.
  beforeAll(() => {
    if (!availability.ok) return;
    const started = Date.now();
    const terraform = new OfflineTerraform(VARIABLES);
    try {
      terraform.load(synthVersion(root, "before", upgradeWalkthroughBefore));
      baseline = appliedState(terraform);
      plans.before = baseline.plan; // version A against the state it leaves
      for (const [name, add] of Object.entries(VARIANTS)) {
        terraform.load(synthVersion(root, name, add));
        plans[name] = terraform.plan(baseline.state);
      }
    } finally {
      terraform.dispose();
    }
    planFiles = Object.fromEntries(Object.keys(plans).map((name) => [name, path.join(root, `${name}.plan.json`)]));
    for (const [name, file] of Object.entries(planFiles)) fs.writeFileSync(file, JSON.stringify(plans[name]));
    console.log(`check-plan walkthrough: state of version A after ${baseline.plans} plans, then ${Object.keys(VARIANTS).length} plans against it, in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }, 15 * 60 * 1000);

  const changed = (name: string) => effectiveChanges(plans[name]).map((c) => `${c.address} ${c.actions.join(",")}`);

  planTest("version A against the state it leaves: no changes, and check-plan passes", () => {
    expect(changed("before")).toEqual([]);
    expect(plans.before.output_changes["orders-deployment"]).toMatchObject({ actions: ["no-op"], before: { cluster: "orders", ha: "zookeeper", flinkVersion: "1.20" } });
    const result = run([planFiles.before]);
    expect(result).toMatchObject({ code: 0, err: "" });
    expect(result.out).toBe("check-plan: ok, 2 cluster(s), 0 resource change(s), 0 acknowledged");
  });

  planTest("the walkthrough's upgrade (orders 1.20 -> 2.3 with HA and a restore path): it rolls orders, and check-plan passes", () => {
    // Real rolling changes: orders' launch templates get new versions; reports is untouched.
    expect(changed("after")).toEqual(expect.arrayContaining([expect.stringMatching(/^aws_launch_template\.orders_Ec2_JobManagerLaunchTemplate_\w+ update$/), expect.stringMatching(/^aws_launch_template\.orders_Ec2_TaskManagerLaunchTemplate_\w+ update$/)]));
    expect(changed("after").filter((c) => c.includes("reports"))).toEqual([]);
    expect(plans.after.output_changes["orders-deployment"].after).toMatchObject({ flinkVersion: "2.3", runtime: "tarball 2.3.0", restorePath: expect.stringMatching(/\/orders\/savepoints\/savepoint-5f2c1a-0123456789ab$/) });
    expect(checkPlan(plans.after)).toEqual([]);
    expect(run([planFiles.after]).code).toBe(0);
  });

  planTest("reports (no HA) upgraded without a restore path: refused twice over, passed once both are acknowledged", () => {
    const findings = checkPlan(plans["reports-upgraded-without-restore"]);
    expect(rules(findings)).toEqual([
      expect.stringMatching(/^replace-without-ha reports aws_launch_template\.reports_Ec2_TaskManagerLaunchTemplate_\w+$/),
      expect.stringMatching(/^replace-without-ha reports aws_instance\.reports_Ec2_JobManager_\w+$/),
      "upgrade-without-restore reports",
    ]);
    expect(findings[1].message).toMatch(/\(JobManager\) is replaced, and the cluster has no HA/);
    expect(findings[2].message).toMatch(/^Flink 1.20 -> 2.3 \(tarball 1.20.1 -> tarball 2.3.0\) with no restore path/);
    const file = planFiles["reports-upgraded-without-restore"];
    expect(run([file]).code).toBe(1);
    const acknowledged = run([file, "--acknowledge", "replace-without-ha:reports=reporting may restart", "--acknowledge", "upgrade-without-restore:reports=reports rebuild from Kafka"]);
    expect(acknowledged).toMatchObject({ code: 0, err: "" });
    expect(acknowledged.out.split("\n").filter((l) => l.startsWith("acknowledged:"))).toHaveLength(3);
  });

  planTest("the state bucket moved out of the stack: its destruction is refused for both clusters", () => {
    const findings = checkPlan(plans["state-bucket-imported"]);
    expect(rules(findings).sort()).toEqual(
      ["orders", "reports"].flatMap((c) => [expect.stringMatching(new RegExp(`^destroys-state ${c} aws_kms_key\\.state_key_\\w+$`)), expect.stringMatching(new RegExp(`^destroys-state ${c} aws_s3_bucket\\.state_bucket_\\w+$`))]),
    );
    expect(findings[0].message).toMatch(/is destroyed: every checkpoint and savepoint of the cluster is lost/);
  });

  planTest("ZooKeeper's path root changed: orders' HA cluster id changes, refused", () => {
    expect(rules(checkPlan(plans["zookeeper-path-root-changed"]))).toEqual(["ha-cluster-id-changed orders"]);
    const result = run([planFiles["zookeeper-path-root-changed"]]);
    expect(result.code).toBe(1);
    expect(result.err).toMatch(/^refused: \[ha-cluster-id-changed\] orders: HA cluster id zookeeper \/flink\/orders -> zookeeper \/flink-v2\/orders/m);
  });
});
