import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { App, TerraformStack, TerraformVariable } from "cdktf";
import { FlinkCluster, FlinkRuntime, FlinkStateStorage, FlinkTarget, FlinkVersion, FlinkVpc, Logging, MetricReporter, RestartStrategy, StateBackend } from "../../lib";

const REGION = "eu-west-1";

/** Inputs a user supplies at plan time (TF_VAR_<name> or -var): nothing here needs an AWS API during plan. */
function amiId(stack: TerraformStack): string {
  return new TerraformVariable(stack, "ami_id", {
    type: "string",
    description: "An Amazon Linux 2023 x86_64 AMI id of the region (for example from the SSM parameter /aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64)",
    validation: [{ condition: '${can(regex("^ami-[0-9a-f]{8,17}$", var.ami_id))}', errorMessage: "ami_id must look like ami-0123456789abcdef0." }],
  }).stringValue;
}

/** The network, state bucket and cluster shared by both runtimes: 1 JobManager, 3 TaskManagers, RocksDB with incremental checkpoints to S3. */
function standaloneStack(app: App, id: string, runtime: (stack: TerraformStack) => FlinkRuntime, version: FlinkVersion): TerraformStack {
  const stack = new TerraformStack(app, id);
  new AwsProvider(stack, "aws", { region: REGION });
  const network = new FlinkVpc(stack, "network", { availabilityZones: [`${REGION}a`, `${REGION}b`] });
  const storage = new FlinkStateStorage(stack, "state", { bucket: { namePrefix: `${id}-state-` } });
  new FlinkCluster(stack, "sessions", {
    version,
    target: FlinkTarget.ec2({
      vpcId: network.vpcId,
      subnetIds: network.privateSubnetIds,
      amiId: amiId(stack),
      jobManager: { instanceType: "m6i.large" },
      // Target tracking on the TaskManagers' average CPU between min and max (the group then owns its desired capacity).
      taskManagers: { instanceType: "m6i.2xlarge", desired: 3, min: 3, max: 6, autoscaling: { targetCpuUtilization: 70, instanceWarmup: "5 min" } },
      runtime: runtime(stack),
      restAccess: { cidrs: ["10.40.0.0/16"] },
      metricsAccess: { cidrs: ["10.40.0.0/16"] },
    }),
    stateStorage: storage,
    jobManager: { memory: { process: "4g" } },
    taskManager: { slots: 8, memory: { process: "24g" } },
    parallelism: 12,
    checkpointing: { interval: "30 s", mode: "EXACTLY_ONCE", retained: 5, incremental: true, externalizedRetention: "RETAIN_ON_CANCELLATION" },
    stateBackend: StateBackend.rocksdb({ localDir: "/var/lib/flink/rocksdb", predefinedOptions: "FLASH_SSD_OPTIMIZED" }),
    restartStrategy: RestartStrategy.exponentialDelay({ initialBackoff: "10 s", maxBackoff: "5 min" }),
    metricReporters: [MetricReporter.prometheus({ port: 9249 })],
    // On VMs, the seed's rolling log files in /var/log/flink beside journald.
    logging: Logging.seedRollingFile(),
    tags: { team: "analytics" },
  });
  return stack;
}

/** A session cluster installed from the Flink tarball, checked against its SHA-512. */
export function ec2StandaloneExample(app: App): TerraformStack {
  return standaloneStack(
    app,
    "ec2-standalone",
    (stack) =>
      FlinkRuntime.tarball({
        release: "1.20.1",
        sha512: new TerraformVariable(stack, "flink_tarball_sha512", {
          type: "string",
          description: "The SHA-512 of flink-1.20.1-bin-scala_2.12.tgz, from the .sha512 file published beside it",
          validation: [{ condition: '${can(regex("^[0-9a-f]{128}$", var.flink_tarball_sha512))}', errorMessage: "flink_tarball_sha512 must be 128 hex digits." }],
        }).stringValue,
      }),
    FlinkVersion.V1_20,
  );
}

/** The same cluster running the official Flink container image (the seed's Docker mode). */
export function ec2ContainerExample(app: App): TerraformStack {
  return standaloneStack(
    app,
    "ec2-container",
    (stack) =>
      FlinkRuntime.containerImage({
        image: new TerraformVariable(stack, "flink_image", {
          type: "string",
          default: "flink:2.2.0-java17",
          description: "The Flink 2.2 image; pin it by digest (flink:2.2.0-java17@sha256:...) so every node runs the same bits",
        }).stringValue,
      }),
    FlinkVersion.V2_2,
  );
}
