import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { KubernetesProvider } from "@cdktf/provider-kubernetes/lib/provider";
import { App, TerraformStack, Testing } from "cdktf";
import { ec2StandaloneExample } from "../examples/ec2-standalone/main";
import { FlinkCluster, FlinkClusterProps, FlinkSettings, FlinkTarget, FlinkVersion, KubernetesMode, KubernetesTargetProps, RestartStrategy, catalogFor } from "../lib";
import { buildConfiguration } from "../lib/config/options";
import { Ec2TargetProps } from "../lib/targets/ec2/ec2-target";
import { EmrTargetProps } from "../lib/targets/emr/emr-target";
import { EC2_TARGET } from "./fixtures/ec2-target";
import { resourcesOf, synthStack } from "./helpers/synth";

/**
 * Elastic TaskManagers: the scheduler (default, adaptive, reactive) and max parallelism written as each
 * Flink line's own keys, Flink's constraints on reactive mode, and the TaskManagers' autoscalers (a
 * HorizontalPodAutoscaler on Kubernetes, target tracking on the EC2 Auto Scaling group).
 */

const REACTIVE: FlinkSettings = { scheduler: "reactive", maxParallelism: 16, checkpointing: { interval: "10 s", directory: "s3://state/checkpoints" } };

function build(settings: FlinkSettings, version = FlinkVersion.V2_3) {
  return buildConfiguration(settings, version);
}

function keysOf(settings: FlinkSettings, version: FlinkVersion): Record<string, unknown> {
  const result = build(settings, version);
  expect(result.errors).toEqual([]);
  return Object.fromEntries([...result.configuration!.entries].filter(([key]) => /scheduler|parallelism/.test(key)));
}

const warningsOf = (c: FlinkCluster) => c.node.metadata.filter((m) => m.type === "@cdktf/warn").map((m) => m.data as string);
const ids = (c: FlinkCluster) => warningsOf(c).map((w) => /^\[([^\]]+)\]/.exec(w)?.[1]);

const K8S: KubernetesTargetProps = { namespace: { name: "flink" }, image: "flink:2.3.0-java17", taskManagers: { replicas: 2 } };
const APPLICATION = KubernetesMode.application({ entryClass: "com.example.Orders" });

function onKubernetes(props: Partial<Omit<FlinkClusterProps, "target">> & { target?: Partial<KubernetesTargetProps> } = {}) {
  const stack = new TerraformStack(Testing.app(), "k8s");
  new KubernetesProvider(stack, "kubernetes", {});
  const { target, ...rest } = props;
  const cluster = new FlinkCluster(stack, "orders", { version: FlinkVersion.V2_3, taskManager: { slots: 2, memory: { process: "4g" } }, ...rest, target: FlinkTarget.kubernetes({ ...K8S, ...target }) });
  return { cluster, tf: () => JSON.parse(Testing.synth(stack)) };
}

function onEc2(props: Partial<Omit<FlinkClusterProps, "target">> & { target?: Partial<Ec2TargetProps> } = {}) {
  const stack = new TerraformStack(Testing.app(), "prod");
  new AwsProvider(stack, "aws", { region: "eu-west-1" });
  const { target, ...rest } = props;
  const cluster = new FlinkCluster(stack, "orders", { version: FlinkVersion.V2_2, taskManager: { slots: 4, memory: { process: "8g" } }, ...rest, target: FlinkTarget.ec2({ ...EC2_TARGET, ...target }) });
  return { cluster, tf: () => JSON.parse(Testing.synth(stack)) };
}

const EMR: EmrTargetProps = {
  vpcId: "vpc-0123456789abcdef0",
  subnetIds: ["subnet-0123456789abcdef0"],
  instanceGroups: { primary: { instanceType: "m5.xlarge" }, core: { instanceType: "m5.2xlarge", count: 2 } },
  logUri: "s3://acme-logs/emr/",
  inTransitCertificates: "s3://acme-config/certs/flink.zip",
};

describe("the scheduler and max parallelism, as each Flink line's keys", () => {
  test.each([FlinkVersion.V1_20, FlinkVersion.V2_0, FlinkVersion.V2_3])("Flink %s: default, adaptive, reactive", (version) => {
    expect(keysOf({ scheduler: "default" }, version)).toEqual({ "jobmanager.scheduler": "default" });
    expect(keysOf({ scheduler: "adaptive", parallelism: 4, maxParallelism: 64 }, version)).toEqual({ "jobmanager.scheduler": "adaptive", "parallelism.default": 4, "pipeline.max-parallelism": 64 });
    expect(keysOf(REACTIVE, version)).toEqual({ "jobmanager.scheduler": "adaptive", "scheduler-mode": "reactive", "pipeline.max-parallelism": 16 });
    expect(keysOf({}, version)).toEqual({});
  });

  const common = { resourceWaitTimeout: "10 min", resourceStabilizationTimeout: "20 s", cooldownAfterRescaling: "45s", preferMinimalTaskManagers: false };
  const prefix = "jobmanager.adaptive-scheduler.";

  test("1.20: the adaptive scheduler's timeouts under 1.20's keys, with its own min-parallelism-increase and scaling-interval.max", () => {
    const keys = keysOf({ scheduler: "adaptive", adaptiveScheduler: { ...common, minParallelismIncrease: 2, scalingIntervalMax: "10 min" } }, FlinkVersion.V1_20);
    expect(keys).toEqual({
      "jobmanager.scheduler": "adaptive",
      [`${prefix}resource-wait-timeout`]: "10 min",
      [`${prefix}resource-stabilization-timeout`]: "20 s",
      [`${prefix}scaling-interval.min`]: "45 s",
      [`${prefix}prefer-minimal-taskmanagers`]: false,
      [`${prefix}min-parallelism-increase`]: 2,
      [`${prefix}scaling-interval.max`]: "10 min",
    });
  });

  test.each([FlinkVersion.V2_0, FlinkVersion.V2_3])("%s: the same properties under 2.x's renamed keys, with its rescale triggers", (version) => {
    const keys = keysOf({ scheduler: "reactive", maxParallelism: 8, checkpointing: { interval: "5 s" }, adaptiveScheduler: { ...common, rescaleStabilizationTimeout: "2 s", rescaleTriggerMaxDelay: "15 s", rescaleTriggerMaxCheckpointFailures: 3 } }, version);
    expect(keys).toEqual({
      "jobmanager.scheduler": "adaptive",
      "scheduler-mode": "reactive",
      "pipeline.max-parallelism": 8,
      [`${prefix}submission.resource-wait-timeout`]: "10 min",
      [`${prefix}submission.resource-stabilization-timeout`]: "20 s",
      [`${prefix}executing.cooldown-after-rescaling`]: "45 s",
      [`${prefix}prefer-minimal-taskmanagers`]: false,
      [`${prefix}executing.resource-stabilization-timeout`]: "2 s",
      [`${prefix}rescale-trigger.max-delay`]: "15 s",
      [`${prefix}rescale-trigger.max-checkpoint-failures`]: 3,
    });
  });

  test("every key written is a current key of its line's catalog (2.x's deprecated 1.20 names are not used)", () => {
    for (const version of [FlinkVersion.V1_20, FlinkVersion.V2_3]) {
      const adaptiveScheduler = version.isV2 ? { ...common, rescaleStabilizationTimeout: "2 s", rescaleTriggerMaxDelay: "15 s", rescaleTriggerMaxCheckpointFailures: 3 } : { ...common, minParallelismIncrease: 2, scalingIntervalMax: "10 min" };
      const entries = build({ ...REACTIVE, adaptiveScheduler }, version).configuration!.entries;
      const catalog = catalogFor(version.catalog!);
      const written = [...entries.keys()].filter((key) => /scheduler|parallelism/.test(key));
      expect(written.length).toBeGreaterThanOrEqual(9);
      for (const key of written) expect({ key, documented: catalog.isDocumented(key), replacedBy: catalog.replacementsOf(key) }).toEqual({ key, documented: true, replacedBy: [] });
    }
    expect(catalogFor("2.3").replacementsOf(`${prefix}scaling-interval.min`)).toEqual([`${prefix}executing.cooldown-after-rescaling`]);
  });

  test("a line's own property on the other line is an error naming the key", () => {
    expect(build({ scheduler: "adaptive", adaptiveScheduler: { minParallelismIncrease: 2, scalingIntervalMax: "1 min" } }, FlinkVersion.V2_3).errors).toEqual([
      expect.objectContaining({ property: "adaptiveScheduler.minParallelismIncrease", rule: expect.stringMatching(/is a Flink 1\.20 setting \(jobmanager\.adaptive-scheduler\.min-parallelism-increase\), which Flink 2\.3 does not have/) }),
      expect.objectContaining({ property: "adaptiveScheduler.scalingIntervalMax", fix: expect.stringMatching(/rescales after a completed checkpoint/) }),
    ]);
    const on120 = build({ scheduler: "adaptive", adaptiveScheduler: { rescaleStabilizationTimeout: "1 s", rescaleTriggerMaxDelay: "1 s", rescaleTriggerMaxCheckpointFailures: 1 } }, FlinkVersion.V1_20).errors;
    expect(on120.map((e) => e.property)).toEqual(["adaptiveScheduler.rescaleStabilizationTimeout", "adaptiveScheduler.rescaleTriggerMaxDelay", "adaptiveScheduler.rescaleTriggerMaxCheckpointFailures"]);
    expect(on120[0].rule).toMatch(/is a Flink 2\.x setting \(jobmanager\.adaptive-scheduler\.executing\.resource-stabilization-timeout\), which Flink 1\.20 does not have/);
  });

  test("bad values are errors with the property, value, rule and fix", () => {
    const problems = (settings: FlinkSettings) => build(settings).errors.map((e) => `${e.property}: ${e.rule}`);
    expect(problems({ scheduler: "fast" as never })).toEqual(["scheduler: must be one of default, adaptive, reactive"]);
    expect(problems({ maxParallelism: 0 })).toEqual(["maxParallelism: must be a whole number between 1 and 32768"]);
    expect(problems({ maxParallelism: 40000 })).toEqual(["maxParallelism: must be a whole number between 1 and 32768"]);
    expect(problems({ adaptiveScheduler: { cooldownAfterRescaling: "1 min" } })).toEqual(['adaptiveScheduler: only applies to the adaptive scheduler, and scheduler is "default"']);
    expect(problems({ scheduler: "adaptive", adaptiveScheduler: { cooldownAfterRescaling: "soon" } })).toEqual(["adaptiveScheduler.cooldownAfterRescaling: is not a valid duration"]);
    expect(problems({ parallelism: 200, maxParallelism: 128 })).toEqual(["parallelism: is above maxParallelism 128: Flink refuses to run an operator with more parallel instances than its max parallelism"]);
    // A typed scheduler and a raw key for the same thing.
    expect(problems({ scheduler: "adaptive", rawConfig: { "jobmanager.scheduler": "Default" } })).toEqual(["rawConfig[\"jobmanager.scheduler\"]: sets jobmanager.scheduler, which scheduler already sets"]);
  });
});

describe("Flink's constraints on reactive mode", () => {
  const warned = (settings: FlinkSettings) => build(settings).warnings.map((w) => w.id);

  test("a configured parallelism is ignored: a warning", () => {
    const result = build({ ...REACTIVE, parallelism: 8 });
    expect(result.errors).toEqual([]);
    expect(result.warnings).toContainEqual({ id: "flink:reactive-ignores-parallelism", message: expect.stringMatching(/^parallelism is 8, but reactive mode does not run the job at it: each operator runs with as many instances as there are slots, up to its max parallelism\. /) });
    const { maxParallelism: _, ...withoutMax } = REACTIVE;
    expect(build({ ...withoutMax, parallelism: 8 }).warnings.find((w) => w.id === "flink:reactive-ignores-parallelism")!.message).toMatch(/up to its max parallelism \(which Flink then derives from this parallelism\)/);
    // Not with the adaptive scheduler, which scales up to the parallelism.
    expect(warned({ scheduler: "adaptive", parallelism: 8 })).toEqual([]);
  });

  test("no max parallelism: a warning that jobs scale only to Flink's derived max parallelism (128 as the real test saw), fixed in the state", () => {
    const { maxParallelism, ...withoutMax } = REACTIVE;
    expect(maxParallelism).toBe(16);
    expect(build(withoutMax).warnings).toContainEqual({ id: "flink:reactive-max-parallelism", message: expect.stringMatching(/scale up to the max parallelism Flink derives from the job's parallelism .*at least 128.* fixed in the job's keyed state/) });
    expect(warned(REACTIVE)).toEqual([]);
  });

  test("no checkpointing: a warning that every rescale loses the state and a lost TaskManager fails the job", () => {
    const message = build({ scheduler: "reactive", maxParallelism: 4 }).warnings.find((w) => w.id === "flink:reactive-without-checkpoints")!.message;
    expect(message).toMatch(/every rescale restarts the job from its latest completed checkpoint.*without a restart strategy/);
    expect(build({ scheduler: "reactive", maxParallelism: 4, restartStrategy: RestartStrategy.fixedDelay({ attempts: 100 }) }).warnings.find((w) => w.id === "flink:reactive-without-checkpoints")!.message).not.toMatch(/restart strategy/);
  });

  test("no restarts is an error: scaling down would fail the job", () => {
    expect(build({ ...REACTIVE, restartStrategy: RestartStrategy.none() }).errors).toEqual([
      expect.objectContaining({ property: "restartStrategy.type", value: "none", rule: expect.stringMatching(/leaves reactive mode no way to scale down/), fix: expect.stringMatching(/fixedDelay/) }),
    ]);
  });

  test("reactive mode set as raw keys is checked the same way, and a raw default scheduler contradicts it", () => {
    const raw = build({ maxParallelism: 8, rawConfig: { "scheduler-mode": "REACTIVE", "jobmanager.scheduler": "default" } });
    expect(raw.errors).toEqual([expect.objectContaining({ property: 'rawConfig["jobmanager.scheduler"]', rule: "contradicts reactive mode, which runs on the adaptive scheduler" })]);
    expect(build({ rawConfig: { "scheduler-mode": "reactive" } }).warnings.map((w) => w.id)).toEqual(expect.arrayContaining(["flink:reactive-max-parallelism", "flink:reactive-without-checkpoints"]));
  });

  test("standalone application clusters only: a Kubernetes application runs it", () => {
    const { cluster } = onKubernetes({ ...REACTIVE, target: { mode: APPLICATION } });
    expect(cluster.configYaml).toContain("scheduler-mode: reactive\n");
  });

  test("standalone application clusters only: EC2 (sessions), a Kubernetes session and EMR (YARN) are errors", () => {
    expect(() => onEc2(REACTIVE)).toThrow(/FlinkCluster "prod\/orders":\n(.*\n)*  scheduler is reactive mode, which Flink runs only in a standalone application cluster; FlinkTarget\.ec2 runs a session cluster \(got "reactive"\)\. Fix: run the job as an application with FlinkTarget\.kubernetes/);
    expect(() => onKubernetes(REACTIVE)).toThrow(/scheduler is reactive mode, .*; the Kubernetes target runs a session cluster \(KubernetesMode\.session\(\)\) .*Fix: use KubernetesMode\.application/);
    expect(() => onKubernetes({ rawConfig: { "scheduler-mode": "reactive" }, maxParallelism: 4 })).toThrow(/rawConfig\["scheduler-mode"\] is reactive mode/);
    const stack = new TerraformStack(Testing.app(), "emr");
    new AwsProvider(stack, "aws", { region: "eu-west-1" });
    expect(() => new FlinkCluster(stack, "orders", { ...REACTIVE, version: FlinkVersion.V1_20, taskManager: { slots: 4, memory: { process: "8g" } }, target: FlinkTarget.emr(EMR) })).toThrow(
      /scheduler is reactive mode, .*; Flink on YARN is an active resource manager, which reactive mode does not support .*Fix: remove it/,
    );
    // The adaptive scheduler is allowed anywhere.
    expect(() => onEc2({ scheduler: "adaptive" })).not.toThrow();
  });
});

describe("Kubernetes: a HorizontalPodAutoscaler of the TaskManagers", () => {
  const autoscaling = { minReplicas: 2, maxReplicas: 8, targetCpuUtilization: 70, scaleDownStabilization: "10 min" };

  test("an autoscaling/v2 HPA on the TaskManager Deployment: CPU target, min/max, stabilization windows; Terraform ignores the replica count", () => {
    const { cluster, tf } = onKubernetes({ ...REACTIVE, target: { mode: APPLICATION, taskManagers: { replicas: 2, autoscaling } } });
    const json = tf();
    const [hpa] = resourcesOf(json, "kubernetes_horizontal_pod_autoscaler_v2");
    expect(resourcesOf(json, "kubernetes_horizontal_pod_autoscaler_v2")).toHaveLength(1);
    expect(hpa.metadata).toMatchObject({ name: "orders-taskmanager", namespace: expect.stringMatching(/^\$\{kubernetes_namespace_v1\.orders_Kubernetes_Namespace_[0-9A-F]+\.metadata\[0\]\.name\}$/) });
    expect(hpa.spec).toEqual({
      min_replicas: 2,
      max_replicas: 8,
      scale_target_ref: { api_version: "apps/v1", kind: "Deployment", name: expect.stringMatching(/^\$\{kubernetes_deployment_v1\.orders_Kubernetes_TaskManagers_[0-9A-F]+\.metadata\[0\]\.name\}$/) },
      metric: [{ type: "Resource", resource: { name: "cpu", target: { type: "Utilization", average_utilization: 70 } } }],
      behavior: {
        scale_down: [{ stabilization_window_seconds: 600, select_policy: "Max", policy: [{ type: "Percent", value: 100, period_seconds: 15 }] }],
        scale_up: [{ stabilization_window_seconds: 0, select_policy: "Max", policy: [{ type: "Percent", value: 100, period_seconds: 15 }, { type: "Pods", value: 4, period_seconds: 15 }] }],
      },
    });
    const tm = resourcesOf(json, "kubernetes_deployment_v1").find((d) => d.metadata.name === "orders-taskmanager")!;
    expect(tm.spec.replicas).toBe("2");
    expect(tm.lifecycle).toEqual({ ignore_changes: ["spec[0].replicas"] });
    const jm = resourcesOf(json, "kubernetes_deployment_v1").find((d) => d.metadata.name === "orders-jobmanager")!;
    expect(jm.lifecycle).toBeUndefined();
    // Reactive mode with an HPA is Flink's recommended pairing: nothing to warn about.
    expect(ids(cluster).filter((id) => id?.includes("autoscaling") || id === "flink:idle-taskmanagers")).toEqual([]);
  });

  test("on a StatefulSet (local state volumes) the HPA targets the StatefulSet; without autoscaling there is no HPA and replicas stay Terraform's", () => {
    const stateful = onKubernetes({ ...REACTIVE, target: { mode: APPLICATION, taskManagers: { replicas: 3, autoscaling: { ...autoscaling, scaleDownStabilization: undefined }, localStateVolume: { size: "50Gi" } } } }).tf();
    const hpa = resourcesOf(stateful, "kubernetes_horizontal_pod_autoscaler_v2")[0];
    expect(hpa.spec.scale_target_ref.kind).toBe("StatefulSet");
    expect(hpa.spec.behavior.scale_down[0].stabilization_window_seconds).toBe(300);
    expect(resourcesOf(stateful, "kubernetes_stateful_set_v1")[0].lifecycle).toEqual({ ignore_changes: ["spec[0].replicas"] });
    const fixed = onKubernetes().tf();
    expect(resourcesOf(fixed, "kubernetes_horizontal_pod_autoscaler_v2")).toEqual([]);
    expect(resourcesOf(fixed, "kubernetes_deployment_v1").every((d) => d.lifecycle === undefined)).toBe(true);
  });

  test("bad bounds, targets and windows are errors", () => {
    const error = (a: object, taskManagers: Partial<KubernetesTargetProps["taskManagers"]> = {}) => {
      try {
        onKubernetes({ ...REACTIVE, target: { mode: APPLICATION, taskManagers: { replicas: 2, ...taskManagers, autoscaling: { ...autoscaling, ...a } } } });
      } catch (e) {
        return String((e as Error).message);
      }
      return "";
    };
    expect(error({ minReplicas: 0 })).toMatch(/target\.taskManagers\.autoscaling must have minReplicas >= 1: a HorizontalPodAutoscaler cannot scale to zero on CPU .* Fix: set minReplicas to 1 or more; to park a session cluster, set replicas: 0/);
    expect(error({ minReplicas: 5, maxReplicas: 3 }, { replicas: 4 })).toMatch(/must have minReplicas <= maxReplicas \(5 > 3\)/);
    expect(error({}, { replicas: 9 })).toMatch(/must have target\.taskManagers\.replicas \(9, the count at creation\) between minReplicas 2 and maxReplicas 8, or 0 to park the cluster .*Fix: set replicas to 8\./);
    expect(error({ targetCpuUtilization: 0 })).toMatch(/targetCpuUtilization must be a percentage above 0 and at most 100 \(utilization is of the CPU request, which the pods' CPU limit equals\) \(got 0\)/);
    expect(error({ targetCpuUtilization: 120 })).toMatch(/targetCpuUtilization must be a percentage above 0 and at most 100/);
    expect(error({ targetCpuUtilization: 150 }, { resources: { cpuRequest: "1", cpuLimit: "2" } })).toBe("");
    expect(error({ targetCpuUtilization: 250 }, { resources: { cpuRequest: "1", cpuLimit: "2" } })).toMatch(/at most 200 \(the pods' CPU limit is 200% of their request\)/);
    expect(error({ scaleDownStabilization: "2 h" })).toMatch(/scaleDownStabilization must be a duration of whole seconds from 0 to 3600 s \(got "2 h"\)/);
    expect(error({ scaleUpStabilization: "1500 ms" })).toMatch(/scaleUpStabilization must be a duration of whole seconds/);
  });

  test("a session: allowed, with a warning that running jobs do not rescale (not with the adaptive scheduler)", () => {
    const session = onKubernetes({ target: { taskManagers: { replicas: 2, autoscaling } } }).cluster;
    expect(warningsOf(session)).toContainEqual(expect.stringMatching(/^\[flink:autoscaling-session\] target\.taskManagers\.autoscaling scales a session cluster whose running jobs do not rescale: .*Set scheduler: "adaptive"/));
    expect(ids(onKubernetes({ scheduler: "adaptive", target: { taskManagers: { replicas: 2, autoscaling } } }).cluster)).not.toContain("flink:autoscaling-session");
  });

  test("an application without reactive mode: a warning that the job will not use new TaskManagers", () => {
    for (const scheduler of ["default", "adaptive"] as const) {
      const app = onKubernetes({ scheduler, target: { mode: APPLICATION, taskManagers: { replicas: 2, autoscaling } } }).cluster;
      expect(warningsOf(app)).toContainEqual(expect.stringMatching(new RegExp(`^\\[flink:autoscaling-without-reactive\\] .*the ${scheduler} scheduler keeps the job at \\(at most\\) its parallelism\\. Set scheduler: "reactive"`)));
    }
  });

  test("reactive mode with more slots than max parallelism: a warning about idle TaskManagers", () => {
    const c = onKubernetes({ ...REACTIVE, maxParallelism: 6, target: { mode: APPLICATION, taskManagers: { replicas: 2, autoscaling } } }).cluster;
    expect(warningsOf(c)).toContainEqual(expect.stringMatching(/^\[flink:idle-taskmanagers\] target\.taskManagers\.autoscaling\.maxReplicas 8 x taskManager\.slots 2 is 16 slots, more than maxParallelism 6: .*TaskManagers past 3 get no tasks\. Lower the maximum to 3/));
  });

  test("parked at zero: replicas 0 warns as without an autoscaler, and says the HPA waits for a manual scale-up", () => {
    const parked = onKubernetes({ target: { taskManagers: { replicas: 0, autoscaling } } });
    expect(warningsOf(parked.cluster)).toContainEqual(expect.stringMatching(/^\[flink:no-taskmanagers\] target\.taskManagers\.replicas is 0: the cluster is parked, jobs wait for slots\. .*The HorizontalPodAutoscaler does not act on a workload at 0 replicas/));
    expect(resourcesOf(parked.tf(), "kubernetes_deployment_v1").find((d) => d.metadata.name === "orders-taskmanager")!.spec.replicas).toBe("0");
    expect(warningsOf(onKubernetes({ target: { taskManagers: { replicas: 0 } } }).cluster)).toContainEqual(expect.stringMatching(/^\[flink:no-taskmanagers\] .*Scale the TaskManagers up to run jobs\.$/));
  });

  test("a local checkpoint directory is checked against the autoscaler's maximum", () => {
    expect(() => onKubernetes({ checkpointing: { interval: "10 s", directory: "file:///tmp/checkpoints" }, target: { taskManagers: { replicas: 1, autoscaling: { ...autoscaling, minReplicas: 1 } } } })).toThrow(
      /checkpointing\.directory is a local directory, but target\.taskManagers\.autoscaling\.maxReplicas allows 8 TaskManagers/,
    );
  });
});

describe("EC2: target tracking on the TaskManagers' Auto Scaling group", () => {
  const counts = { instanceType: "m6i.2xlarge", desired: 2, min: 2, max: 6 };

  test("an aws_autoscaling_policy on average CPU with the instance warmup; the group's desired capacity is left to it", () => {
    const { tf } = onEc2({ scheduler: "adaptive", target: { taskManagers: { ...counts, autoscaling: { targetCpuUtilization: 65, instanceWarmup: "4 min" } } } });
    const json = tf();
    const policies = resourcesOf(json, "aws_autoscaling_policy");
    expect(policies).toEqual([
      {
        name: "orders-taskmanagers-cpu",
        autoscaling_group_name: expect.stringMatching(/^\$\{aws_autoscaling_group\.orders_Ec2_TaskManagers_[0-9A-F]+\.name\}$/),
        policy_type: "TargetTrackingScaling",
        estimated_instance_warmup: 240,
        target_tracking_configuration: { predefined_metric_specification: { predefined_metric_type: "ASGAverageCPUUtilization" }, target_value: 65, disable_scale_in: false },
      },
    ]);
    const [group] = resourcesOf(json, "aws_autoscaling_group");
    expect(group).toMatchObject({ min_size: 2, desired_capacity: 2, max_size: 6, lifecycle: { ignore_changes: ["desired_capacity"] } });
    const fixed = onEc2().tf();
    expect(resourcesOf(fixed, "aws_autoscaling_policy")).toEqual([]);
    expect(resourcesOf(fixed, "aws_autoscaling_group")[0].lifecycle).toBeUndefined();
  });

  test("defaults: a 5 min warmup, scale-in on", () => {
    const [policy] = resourcesOf(onEc2({ target: { taskManagers: { ...counts, autoscaling: { targetCpuUtilization: 70 } } } }).tf(), "aws_autoscaling_policy");
    expect(policy).toMatchObject({ estimated_instance_warmup: 300, target_tracking_configuration: { disable_scale_in: false } });
  });

  test("bad targets, warmups and bounds are errors", () => {
    const attempt = (taskManagers: Partial<Ec2TargetProps["taskManagers"]>) => () => onEc2({ target: { taskManagers: { ...counts, autoscaling: { targetCpuUtilization: 70 }, ...taskManagers } } });
    expect(attempt({ autoscaling: { targetCpuUtilization: 0 } })).toThrow(/target\.taskManagers\.autoscaling\.targetCpuUtilization must be a percentage above 0 and at most 100 \(got 0\)\. Fix: give the average CPU utilization to hold, such as 70\./);
    expect(attempt({ autoscaling: { targetCpuUtilization: 101 } })).toThrow(/targetCpuUtilization must be a percentage above 0 and at most 100 \(got 101\)/);
    expect(attempt({ autoscaling: { targetCpuUtilization: 70, instanceWarmup: "1500 ms" } })).toThrow(/target\.taskManagers\.autoscaling\.instanceWarmup must be a duration of whole seconds from 0 to 86400 s \(got "1500 ms"\)/);
    expect(attempt({ desired: 3, min: 3, max: 3 })).toThrow(/target\.taskManagers leaves target\.taskManagers\.autoscaling nothing to scale: min 3 is not below max 3 .*Fix: raise max above min/);
  });

  test("a session with the default scheduler warns that running jobs do not rescale", () => {
    const { cluster } = onEc2({ target: { taskManagers: { ...counts, autoscaling: { targetCpuUtilization: 70 } } } });
    expect(ids(cluster)).toContain("flink:autoscaling-session");
    expect(ids(onEc2({ scheduler: "adaptive", target: { taskManagers: { ...counts, autoscaling: { targetCpuUtilization: 70 } } } }).cluster)).not.toContain("flink:autoscaling-session");
  });

  test("parked at zero: min 0 warns that target tracking cannot scale out from no instances; desired 0 keeps its warning", () => {
    const { cluster } = onEc2({ scheduler: "adaptive", target: { taskManagers: { instanceType: "m6i.2xlarge", desired: 0, min: 0, max: 4, autoscaling: { targetCpuUtilization: 70 } } } });
    expect(warningsOf(cluster)).toEqual(
      expect.arrayContaining([
        "[flink:no-taskmanagers] target.taskManagers.desired is 0: the cluster is parked, jobs wait for slots. Raise desired to run jobs.",
        expect.stringMatching(/^\[flink:autoscaling-from-zero\] target\.taskManagers\.min is 0 with target\.taskManagers\.autoscaling: target tracking may scale an idle cluster in to no TaskManagers, and cannot scale it out again, since no instance reports CPU\./),
      ]),
    );
  });

  test("the ec2-standalone example's TaskManagers scale on CPU between 3 and 6", () => {
    const { tf } = synthStack(ec2StandaloneExample);
    expect(resourcesOf(tf, "aws_autoscaling_policy")).toEqual([expect.objectContaining({ policy_type: "TargetTrackingScaling", target_tracking_configuration: expect.objectContaining({ target_value: 70 }) })]);
    expect(resourcesOf(tf, "aws_autoscaling_group")[0]).toMatchObject({ min_size: 3, desired_capacity: 3, max_size: 6, lifecycle: { ignore_changes: ["desired_capacity"] } });
  });
});

test("the settings fixture for reactive mode builds on every cataloged line (the real-Flink tests hand it to Flink)", () => {
  const { SETTINGS_FIXTURES } = require("./fixtures/settings");
  for (const version of [FlinkVersion.V1_20, FlinkVersion.V2_0, FlinkVersion.V2_1, FlinkVersion.V2_2, FlinkVersion.V2_3]) {
    expect({ version: version.version, errors: build(SETTINGS_FIXTURES.elastic, version).errors }).toEqual({ version: version.version, errors: [] });
  }
  expect(new App()).toBeDefined();
});
