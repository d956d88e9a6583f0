import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { App, Aspects, TerraformStack, Testing } from "cdktf";
import { productionEc2Example, productionEksExample } from "../examples/production/main";
import {
  FlinkBestPractices,
  FlinkCluster,
  FlinkClusterProps,
  FlinkHA,
  FlinkMonitoring,
  FlinkRuntime,
  FlinkStateStorage,
  FlinkTarget,
  FlinkTls,
  FlinkVersion,
  PRACTICE_RULES,
  PracticeFinding,
  PracticeRuleId,
  RestartStrategy,
  StateBackend,
  TlsSecret,
  ZooKeeperEnsemble,
  ZooKeeperPlacement,
} from "../lib";
import { Ec2TargetProps } from "../lib/targets/ec2/ec2-target";
import { KubernetesTargetProps } from "../lib/targets/kubernetes/kubernetes-target";
import { FAKE_SHA512 } from "./fixtures/ec2-target";

const SECRET_ARN = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:fake-tls-AbCdEf";
const DIGEST = "@sha256:" + "0".repeat(64);

interface Variant {
  readonly cluster?: Partial<FlinkClusterProps>;
  readonly ec2?: Partial<Ec2TargetProps>;
  /** Run on Kubernetes instead of EC2, with these props. */
  readonly kubernetes?: Partial<KubernetesTargetProps>;
  readonly zookeeperServers?: number;
  readonly zookeeperImage?: string;
  /** The HA of the cluster: this app's ensemble (default), an existing quorum's connection string, or none. */
  readonly ha?: "ensemble" | "none" | { readonly quorum: string };
  readonly storage?: "created" | "imported" | "none";
  readonly tls?: "both" | "internal-only" | "none";
  readonly monitoring?: boolean;
}

/**
 * A production-shaped stack (every practice kept) with one thing changed, checked by a fresh aspect:
 * its findings, and the stack for annotations.
 */
function check(variant: Variant = {}, aspect = new FlinkBestPractices()): { findings: PracticeFinding[]; stack: TerraformStack } {
  const app = Testing.app();
  const stack = new TerraformStack(app, "practices");
  new AwsProvider(stack, "aws", { region: "eu-west-1" });
  Aspects.of(stack).add(aspect);
  const storage =
    variant.storage === "imported" ? FlinkStateStorage.fromBucketName(stack, "state", "made-elsewhere") : variant.storage === "none" ? undefined : new FlinkStateStorage(stack, "state", { bucket: { namePrefix: "practices-" } });
  const placement = variant.kubernetes
    ? ZooKeeperPlacement.kubernetes({ namespace: { name: "zookeeper" }, image: variant.zookeeperImage ?? `zookeeper:3.8.4${DIGEST}` })
    : ZooKeeperPlacement.ec2({
        vpcId: "vpc-0123456789abcdef0",
        subnets: ["a", "b", "c"].map((zone, i) => ({ subnetId: `subnet-0123456789abcdef${i}`, availabilityZone: `eu-west-1${zone}` })),
        amiId: "ami-0123456789abcdef0",
        instanceType: "m6i.large",
        release: "3.8.4",
        sha512: FAKE_SHA512,
      });
  const ha =
    variant.ha === "none"
      ? undefined
      : typeof variant.ha === "object"
        ? new FlinkHA(stack, "ha", { kubernetes: undefined, zookeeper: { quorum: { connectString: variant.ha.quorum, cidrs: ["10.0.0.0/16"] } }, storageDir: variant.storage === "none" ? "s3://ha-bucket/ha" : undefined })
        : new FlinkHA(stack, "ha", { zookeeper: { ensemble: new ZooKeeperEnsemble(stack, "zookeeper", { servers: variant.zookeeperServers ?? 3, placement }) } });
  const secret = variant.kubernetes ? TlsSecret.kubernetesSecret("flink-tls") : TlsSecret.secretsManager(SECRET_ARN);
  const tlsMode = variant.tls ?? "both";
  const tls = tlsMode === "none" ? undefined : new FlinkTls(stack, "tls", { internal: { secret }, rest: tlsMode === "both" ? { secret } : undefined });
  const monitoring = variant.monitoring === false ? undefined : new FlinkMonitoring(stack, "monitoring", { scrapers: { cidrs: ["10.40.0.0/16"] } });
  const target = variant.kubernetes
    ? FlinkTarget.kubernetes({ namespace: { name: "flink" }, image: `flink:2.3.0-java17${DIGEST}`, jobManager: { replicas: 2 }, taskManagers: { replicas: 2 }, ...variant.kubernetes })
    : FlinkTarget.ec2({
        vpcId: "vpc-0123456789abcdef0",
        subnetIds: ["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"],
        amiId: "ami-0123456789abcdef0",
        jobManager: { instanceType: "m6i.large", count: 2 },
        taskManagers: { instanceType: "m6i.xlarge", desired: 2 },
        runtime: FlinkRuntime.tarball({ release: "2.3.0", sha512: FAKE_SHA512 }),
        restAccess: { cidrs: ["10.40.0.0/16"] },
        ...variant.ec2,
      });
  new FlinkCluster(stack, "orders", {
    version: FlinkVersion.V2_3,
    target,
    stateStorage: storage,
    ha,
    tls,
    monitoring,
    jobManager: { memory: { process: "2g" } },
    taskManager: { slots: 4, memory: { process: "6g" } },
    checkpointing: { interval: "30 s", retained: 3 },
    stateBackend: StateBackend.rocksdb({}),
    restartStrategy: RestartStrategy.exponentialDelay({}),
    ...variant.cluster,
  });
  Testing.synth(stack);
  return { findings: aspect.findings, stack };
}

const ids = (findings: readonly PracticeFinding[]) => [...new Set(findings.map((f) => f.rule))].sort();

/** The annotations of one level on the stack's constructs, as cdktf collects them for the manifest. */
function annotations(stack: TerraformStack, level: "error" | "warn" | "info"): string[] {
  return stack.node.findAll().flatMap((c) => c.node.metadata.filter((m) => m.type === `@cdktf/${level}`).map((m) => String(m.data)));
}

describe("FlinkBestPractices", () => {
  test("finds nothing on examples/production, on EC2 and on EKS", () => {
    const app = Testing.app();
    const stacks = [productionEc2Example(app), ...productionEksExample(app)];
    for (const stack of stacks) Testing.synth(stack);
    const aspects = stacks.flatMap((s) => Aspects.of(s).all).filter((a): a is FlinkBestPractices => a instanceof FlinkBestPractices);
    // Both Flink stacks carry the aspect, and it checked their clusters and the ensemble.
    expect(aspects).toHaveLength(2);
    expect(aspects.flatMap((a) => a.findings)).toEqual([]);
    for (const stack of stacks) {
      expect(annotations(stack, "error")).toEqual([]);
      expect(annotations(stack, "warn")).toEqual([]);
    }
  });

  test("the production-shaped baseline of these tests breaks no rule", () => {
    expect(check().findings).toEqual([]);
    expect(check({ kubernetes: {} }).findings).toEqual([]);
  });

  // One stack per rule, each made to break it and nothing else.
  const BROKEN: ReadonlyArray<[PracticeRuleId, string, Variant, RegExp]> = [
    ["FLINK-HA", "no ha", { ha: "none", ec2: { jobManager: { instanceType: "m6i.large" } } }, /^\[FLINK-HA\] ha undefined: is not set/],
    ["FLINK-HA", "ha with one JobManager", { ec2: { jobManager: { instanceType: "m6i.large", count: 1 } } }, /^\[FLINK-HA\] target.jobManager 1 JobManager: has no standby/],
    ["FLINK-TLS", "REST in plain text", { tls: "internal-only" }, /^\[FLINK-TLS\] tls.rest off: leaves the REST API/],
    ["FLINK-DURABLE-CHECKPOINTS", "checkpointing off", { cluster: { checkpointing: undefined } }, /^\[FLINK-DURABLE-CHECKPOINTS\] checkpointing.interval unset: leaves checkpointing off/],
    ["FLINK-DURABLE-CHECKPOINTS", "checkpoints on one machine's disk", { storage: "none", ha: { quorum: "zk1:2181,zk2:2181,zk3:2181" }, ec2: { taskManagers: { instanceType: "m6i.xlarge", desired: 1 } }, cluster: { checkpointing: { interval: "30 s", retained: 3, directory: "file:///var/lib/flink/checkpoints" } } }, /^\[FLINK-DURABLE-CHECKPOINTS\] checkpointing.directory file:\/\/\/var\/lib\/flink\/checkpoints: is on file/],
    ["FLINK-RETAINED-CHECKPOINTS", "one retained checkpoint", { cluster: { checkpointing: { interval: "30 s" } } }, /^\[FLINK-RETAINED-CHECKPOINTS\] checkpointing.retained 1: keeps one checkpoint/],
    ["FLINK-RESTART-STRATEGY", "no restart strategy", { cluster: { restartStrategy: undefined } }, /^\[FLINK-RESTART-STRATEGY\] restartStrategy unset/],
    ["FLINK-SLOTS-VCPUS", "8 slots on 4 vCPUs", { cluster: { taskManager: { slots: 8, memory: { process: "6g" } } } }, /^\[FLINK-SLOTS-VCPUS\] taskManager.slots 8: exceeds the 4 vCPUs of target.taskManagers.instanceType m6i.xlarge/],
    ["FLINK-SLOTS-VCPUS", "4 slots on a 2-CPU pod", { kubernetes: { taskManagers: { replicas: 2, resources: { cpuRequest: 2 } } } }, /^\[FLINK-SLOTS-VCPUS\] taskManager.slots 4: exceeds the 2 vCPUs of target.taskManagers.resources.cpuRequest 2/],
    ["FLINK-RESOURCES", "flink-dist's JobManager memory", { cluster: { jobManager: {} } }, /^\[FLINK-RESOURCES\] jobManager.memory unset: leaves the JobManager at flink-dist's 1600m/],
    ["FLINK-MONITORING", "no monitoring", { monitoring: false }, /^\[FLINK-MONITORING\] monitoring undefined/],
    ["FLINK-REST-PRIVATE", "REST open to a public range", { ec2: { restAccess: { cidrs: ["10.40.0.0/16", "203.0.113.0/24"] } } }, /^\[FLINK-REST-PRIVATE\] target.restAccess.cidrs 203.0.113.0\/24: opens the REST API/],
    ["FLINK-REST-PRIVATE", "an internet-facing ingress", { kubernetes: { restAccess: { podLabels: [{ app: "alb" }] }, ingress: { host: "flink.example.com", annotations: { "alb.ingress.kubernetes.io/scheme": "internet-facing", "alb.ingress.kubernetes.io/backend-protocol": "HTTPS" } } } }, /^\[FLINK-REST-PRIVATE\] target.ingress.annotations scheme: internet-facing/],
    ["FLINK-IMAGE-DIGEST", "a Flink image by tag", { kubernetes: { image: "flink:2.3.0-java17" } }, /^\[FLINK-IMAGE-DIGEST\] target.image flink:2.3.0-java17: is a tag/],
    ["FLINK-IMAGE-DIGEST", "a ZooKeeper image by tag", { kubernetes: {}, zookeeperImage: "zookeeper:3.8.4" }, /^\[FLINK-IMAGE-DIGEST\] placement.image zookeeper:3.8.4: is a tag/],
    ["FLINK-IMAGE-DIGEST", "an EC2 container runtime by tag", { ec2: { runtime: FlinkRuntime.containerImage({ image: "flink:2.3.0-java17" }) } }, /^\[FLINK-IMAGE-DIGEST\] target.runtime.image flink:2.3.0-java17/],
    ["FLINK-STATE-BUCKET", "an imported bucket", { storage: "imported" }, /^\[FLINK-STATE-BUCKET\] stateStorage s3:\/\/made-elsewhere.*: is a bucket made elsewhere/],
    ["FLINK-ZOOKEEPER-QUORUM", "an ensemble of 4", { zookeeperServers: 4 }, /^\[FLINK-ZOOKEEPER-QUORUM\] servers 4: is 4 ZooKeeper servers: an even number/],
    ["FLINK-ZOOKEEPER-QUORUM", "an existing quorum of 2", { ha: { quorum: "zk1:2181,zk2:2181" } }, /^\[FLINK-ZOOKEEPER-QUORUM\] ha.zookeeper.quorum.connectString zk1:2181,zk2:2181: is 2 ZooKeeper servers: fewer than 3/],
  ];

  test("every rule has a broken stack here", () => {
    expect([...new Set(BROKEN.map(([id]) => id))].sort()).toEqual(PRACTICE_RULES.map((r) => r.id).sort());
  });

  test.each(BROKEN)("%s fires on %s, and no other rule does", (id, _what, variant, message) => {
    const { findings, stack } = check(variant);
    expect(ids(findings)).toEqual([id]);
    const rule = PRACTICE_RULES.find((r) => r.id === id)!;
    const reported = annotations(stack, rule.severity === "error" ? "error" : "warn").filter((m) => m.startsWith(`[${id}]`));
    expect(reported).toEqual([expect.stringMatching(message)]);
    // The message names the practice, the fix and how to accept it.
    expect(reported[0]).toContain(`Practice: ${rule.description}. Fix: ${rule.fix}`);
    expect(reported[0]).toContain(`FlinkBestPractices.suppress(<this cluster or its stack>, [{ id: "${id}", reason: "<why>" }])`);
    expect(findings[0].path).toMatch(/^practices\/(orders|zookeeper)$/);
  });

  test("an error finding fails cdktf synth; a warning does not", () => {
    const synth = (variant: Variant) => {
      const outdir = fs.mkdtempSync(path.join(os.tmpdir(), "cdktf-flink-practices-"));
      try {
        const app = new App({ outdir });
        const stack = new TerraformStack(app, "practices");
        Aspects.of(stack).add(new FlinkBestPractices());
        new FlinkCluster(stack, "orders", { version: FlinkVersion.V2_3, jobManager: { memory: { process: "2g" } }, taskManager: { memory: { process: "4g" } }, ...variant.cluster });
        app.synth();
        return "synthesized";
      } finally {
        fs.rmSync(outdir, { recursive: true, force: true });
      }
    };
    expect(() => synth({})).toThrow(/\[practices\/orders\] \[FLINK-HA\] ha undefined/);
    const warningsOnly = new FlinkBestPractices({ severities: { "FLINK-HA": "warning", "FLINK-TLS": "warning", "FLINK-DURABLE-CHECKPOINTS": "warning", "FLINK-MONITORING": "warning" } });
    const { stack } = check({ ha: "none", tls: "none", monitoring: false, ec2: { jobManager: { instanceType: "m6i.large" } } }, warningsOnly);
    expect(annotations(stack, "error")).toEqual([]);
    expect(annotations(stack, "warn").filter((m) => m.startsWith("[FLINK-")).map((m) => m.slice(0, m.indexOf("]") + 1))).toEqual(["[FLINK-HA]", "[FLINK-TLS]", "[FLINK-TLS]", "[FLINK-MONITORING]"]);
  });

  test("a suppression with a reason accepts a rule on the cluster or on the whole stack, and says so in the manifest", () => {
    const aspect = new FlinkBestPractices();
    const app = Testing.app();
    const stack = new TerraformStack(app, "staging");
    Aspects.of(stack).add(aspect);
    FlinkBestPractices.suppress(stack, [{ id: "FLINK-MONITORING", reason: "staging: the platform scrapes staging through its own agent" }]);
    const base = { version: FlinkVersion.V2_3, jobManager: { memory: { process: "2g" } }, taskManager: { memory: { process: "4g" } }, checkpointing: { interval: "1 min", retained: 2, directory: "s3://staging/checkpoints" }, restartStrategy: RestartStrategy.fixedDelay({}) };
    const single = new FlinkCluster(stack, "single", base);
    FlinkBestPractices.suppress(single, [
      { id: "FLINK-HA", reason: "staging: one JobManager to save cost" },
      { id: "FLINK-TLS", reason: "staging: no production data" },
      { id: "FLINK-STATE-BUCKET", reason: "the staging bucket is versioned and SSE-KMS (platform module)" },
    ]);
    new FlinkCluster(stack, "other", base);
    Testing.synth(stack);
    const open = aspect.findings.filter((f) => f.suppressedBecause === undefined);
    // The other cluster is covered by the stack's suppression only.
    expect(open.every((f) => f.path === "staging/other")).toBe(true);
    expect(ids(open)).toEqual(["FLINK-HA", "FLINK-STATE-BUCKET", "FLINK-TLS"]);
    expect(aspect.findings.filter((f) => f.path === "staging/single" && f.suppressedBecause === undefined)).toEqual([]);
    const infos = single.node.metadata.filter((m) => m.type === "@cdktf/info").map((m) => String(m.data));
    expect(infos).toContain("[FLINK-HA] ha undefined: is not set: the loss of the JobManager fails every job, and a restart starts them without their checkpoints. Suppressed: staging: one JobManager to save cost");
    expect(infos.some((m) => m.startsWith("[FLINK-MONITORING]") && m.endsWith("Suppressed: staging: the platform scrapes staging through its own agent"))).toBe(true);
  });

  test("a suppression needs a known rule and a reason; severities must be known rules and levels", () => {
    const stack = new TerraformStack(Testing.app(), "bad");
    expect(() => FlinkBestPractices.suppress(stack, [{ id: "FLINK-HA", reason: "  " }])).toThrow(
      /FlinkBestPractices.suppress on "bad":\n.*suppressions\[0\].reason must say why the practice does not apply, in at least 10 characters/,
    );
    expect(() => FlinkBestPractices.suppress(stack, [{ id: "FLINK-NOPE" as PracticeRuleId, reason: "a reason long enough" }])).toThrow(/suppressions\[0\].id is not a FlinkBestPractices rule \(got "FLINK-NOPE"\). Fix: use one of FLINK-HA, FLINK-TLS/);
    expect(() => new FlinkBestPractices({ severities: { "FLINK-TLS": "fatal" as "error" } })).toThrow(/severities.FLINK-TLS must be "error" or "warning" \(got "fatal"\)/);
  });
});
