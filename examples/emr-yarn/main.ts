import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { App, TerraformStack } from "cdktf";
import { EMR_MANAGED_TAG, EmrMode, FlinkCluster, FlinkStateStorage, FlinkTarget, FlinkVersion, FlinkVpc, RestartStrategy, StateBackend } from "../../lib";

const REGION = "eu-west-1";

/**
 * Flink on YARN in EMR: a VPC whose private subnets carry the tag EMR's managed policy requires, state
 * on S3, and a cluster of one primary and three core nodes (m5.2xlarge: 24576 MB for YARN containers
 * each). The EMR release is chosen from the Flink version (1.20: emr-7.13.0).
 */
function emrStack(app: App, id: string, mode: EmrMode): TerraformStack {
  const stack = new TerraformStack(app, id);
  new AwsProvider(stack, "aws", { region: REGION });
  const network = new FlinkVpc(stack, "network", { availabilityZones: [`${REGION}a`, `${REGION}b`], natGateway: true, tags: { [EMR_MANAGED_TAG]: "true" } });
  const storage = new FlinkStateStorage(stack, "state", { bucket: { namePrefix: `${id}-state-` } });
  new FlinkCluster(stack, "orders", {
    version: FlinkVersion.V1_20,
    target: FlinkTarget.emr({
      vpcId: network.vpcId,
      subnetIds: network.privateSubnetIds,
      mode,
      instanceGroups: { primary: { instanceType: "m5.xlarge" }, core: { instanceType: "m5.2xlarge", count: 3, ebsSizeGiB: 128 } },
      logUri: `s3://${storage.bucketName}/emr-logs/`,
      // A zip of privateKey.pem, certificateChain.pem and trustedCertificates.pem: EMR encrypts traffic
      // between the nodes, Flink's RPC and REST among it.
      inTransitCertificates: `s3://${storage.bucketName}/emr-certificates/orders.zip`,
      webAccess: { cidrs: ["10.40.0.0/16"] },
      // One key for the state bucket and EMR's S3 writes and local disks.
      kmsKeyArn: storage.kmsKeyArn,
    }),
    stateStorage: storage,
    jobManager: { memory: { process: "4g" } },
    taskManager: { slots: 4, memory: { process: "16g" } },
    parallelism: 12,
    checkpointing: { interval: "1 min", mode: "EXACTLY_ONCE", retained: 3, incremental: true, externalizedRetention: "RETAIN_ON_CANCELLATION" },
    stateBackend: StateBackend.rocksdb({ predefinedOptions: "SPINNING_DISK_OPTIMIZED" }),
    restartStrategy: RestartStrategy.exponentialDelay({ initialBackoff: "10 s", maxBackoff: "5 min" }),
    tags: { team: "orders" },
  });
  return stack;
}

/** A detached YARN session: jobs are submitted to it from the primary node (see the submit-job output). */
export function emrSessionExample(app: App): TerraformStack {
  return emrStack(app, "emr-yarn-session", EmrMode.session());
}

/** One job in YARN application mode, from a jar on S3. */
export function emrApplicationExample(app: App): TerraformStack {
  return emrStack(app, "emr-yarn-application", EmrMode.application({ jar: "s3://acme-flink-jobs/orders/orders-job-1.4.2.jar", entryClass: "com.example.OrdersJob", args: ["--topic", "orders"] }));
}
