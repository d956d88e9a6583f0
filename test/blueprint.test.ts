import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { App, Aspects, TerraformStack, Testing } from "cdktf";
import { blueprintExample } from "../examples/blueprint/main";
import { AcmeFlinkCluster, AcmeFlinkClusterProps, AcmeFlinkPlatform } from "../examples/blueprint/src";
import { FlinkBestPractices, FlinkCluster, FlinkRuntime, FlinkTarget, FlinkVersion } from "../lib";
import { resourcesOf } from "./helpers/synth";

/** The blueprint module of examples/blueprint: what app teams get, and what they cannot change. */

const PLATFORM = { availabilityZones: ["eu-west-1a", "eu-west-1b", "eu-west-1c"] as const, amiId: "ami-0123456789abcdef0", flinkTarballSha512: "a".repeat(128), zookeeperTarballSha512: "b".repeat(128), operationsCidr: "10.40.0.0/16" };

function platformStack(): { stack: TerraformStack; platform: AcmeFlinkPlatform } {
  const stack = new TerraformStack(Testing.app(), "acme");
  new AwsProvider(stack, "aws", { region: "eu-west-1" });
  return { stack, platform: new AcmeFlinkPlatform(stack, "platform", { ...PLATFORM, availabilityZones: [...PLATFORM.availabilityZones] as [string, string, string] }) };
}

const practices = (stack: TerraformStack) => Aspects.of(stack).all.find((a): a is FlinkBestPractices => a instanceof FlinkBestPractices)!;

describe("the Acme blueprint", () => {
  test("an app team's stack: two clusters on one platform, every best practice kept", () => {
    const stack = blueprintExample(new App());
    const tf = JSON.parse(Testing.synth(stack));
    expect(practices(stack).findings).toEqual([]);
    const clusters = stack.node.findAll().filter((c): c is FlinkCluster => c instanceof FlinkCluster);
    expect(clusters.map((c) => c.clusterName).sort()).toEqual(["payments-fraud", "payments-ledger"]);
    const fraud = clusters.find((c) => c.clusterName === "payments-fraud")!;
    // The large size: 16 slots on 16 vCPUs, parallelism half the 64 slots.
    expect(fraud.configuration.entries.get("taskmanager.numberOfTaskSlots")).toBe(16);
    expect(fraud.configuration.entries.get("parallelism.default")).toBe(32);
    expect(fraud.configuration.entries.get("execution.checkpointing.interval")).toBe("1 min");
    expect(fraud.configuration.entries.get("high-availability.type")).toBe("zookeeper");
    expect(fraud.configuration.entries.get("security.ssl.rest.enabled")).toBe(true);
    // One ensemble, one bucket for both clusters; the team tag on their instances.
    expect(resourcesOf(tf, "aws_s3_bucket")).toHaveLength(1);
    expect(Object.keys(tf.resource.aws_instance ?? {}).filter((k) => k.includes("zookeeper"))).toHaveLength(3);
    const templates = resourcesOf(tf, "aws_launch_template");
    expect(templates.map((t) => t.tag_specifications.find((s: any) => s.resource_type === "instance").tags.team)).toEqual(templates.map(() => "payments"));
    expect(templates.map((t) => t.instance_type).sort()).toEqual(["c6i.2xlarge", "c6i.4xlarge", "m6i.large", "m6i.large"]);
  });

  test.each<[string, Partial<AcmeFlinkClusterProps>, RegExp]>([
    ["a team name that is not a label", { team: "Payments Team" }, /team "Payments Team" must be 2-31 lowercase letters.*Fix: use the team's name/],
    ["a size Acme does not offer", { size: "huge" as "large" }, /size "huge" is not an Acme size. Fix: use one of standard, large/],
    ["one TaskManager", { taskManagers: 1 }, /taskManagers 1 must be a whole number from 2 to 12/],
    ["parallelism over half the slots", { taskManagers: 2, parallelism: 9 }, /parallelism 9 must be from 1 to 8, half the 16 slots/],
    ["checkpoints every 2 s", { checkpointInterval: "2 s" }, /checkpointInterval "2 s" must be from 10 s to 10 min/],
  ])("refuses %s, naming the bound and the fix", (_what, props, message) => {
    const { platform } = platformStack();
    expect(() => new AcmeFlinkCluster(platform.node.scope!, "orders", { platform, team: "payments", ...props })).toThrow(message);
  });

  test("the platform makes every best practice an error: a hand-made cluster without a restart strategy fails the synth", () => {
    const { stack, platform } = platformStack();
    const target = FlinkTarget.ec2({
      vpcId: platform.network.vpcId,
      subnetIds: platform.network.privateSubnetIds,
      amiId: PLATFORM.amiId,
      jobManager: { instanceType: "m6i.large", count: 2 },
      taskManagers: { instanceType: "m6i.xlarge", desired: 2 },
      runtime: FlinkRuntime.tarball({ release: "2.3.0", sha512: PLATFORM.flinkTarballSha512 }),
    });
    new FlinkCluster(stack, "adhoc", { version: FlinkVersion.V2_3, target, stateStorage: platform.storage, ha: platform.ha, monitoring: platform.monitoring, tls: platform.tls, jobManager: { memory: { process: "2g" } }, taskManager: { memory: { process: "4g" } }, checkpointing: { interval: "30 s", retained: 2 } });
    Testing.synth(stack);
    const errors = stack.node.findAll().flatMap((c) => c.node.metadata.filter((m) => m.type === "@cdktf/error").map((m) => String(m.data)));
    // FLINK-RESTART-STRATEGY is a warning that Acme's platform raises to an error.
    expect(errors.map((e) => e.slice(0, e.indexOf("]") + 1)).sort()).toEqual(["[FLINK-RESTART-STRATEGY]"]);
  });
});
