import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { App, TerraformStack, TerraformVariable } from "cdktf";
import { FlinkCluster, FlinkRuntime, FlinkTarget, FlinkTls, FlinkVersion, FlinkVpc, TlsSecret } from "../../lib";

const REGION = "eu-west-1";

/**
 * A session cluster on EC2 with internal and REST TLS from certificates Terraform's tls provider makes:
 * for a team without a PKI. The keys are in the Terraform state (keep it encrypted and restricted) and in
 * a Secrets Manager secret per store that the nodes read at start; the JSON holds only references.
 * Its plan needs the hashicorp/tls provider, which the offline mirror here does not have.
 */
export function ec2GeneratedTlsExample(app: App): TerraformStack {
  const stack = new TerraformStack(app, "ec2-generated-tls");
  new AwsProvider(stack, "aws", { region: REGION });
  const network = new FlinkVpc(stack, "network", { availabilityZones: [`${REGION}a`, `${REGION}b`] });
  const variable = (name: string, description: string) => new TerraformVariable(stack, name, { type: "string", description }).stringValue;
  const certificate = TlsSecret.generated({ validityDays: 365 });
  new FlinkCluster(stack, "events", {
    version: FlinkVersion.V2_3,
    target: FlinkTarget.ec2({
      vpcId: network.vpcId,
      subnetIds: network.privateSubnetIds,
      amiId: variable("ami_id", "An Amazon Linux 2023 x86_64 AMI id of the region"),
      jobManager: { instanceType: "m6i.large" },
      taskManagers: { instanceType: "m6i.xlarge", desired: 2 },
      runtime: FlinkRuntime.tarball({ release: "2.3.0", sha512: variable("flink_tarball_sha512", "The SHA-512 of flink-2.3.0-bin-scala_2.12.tgz") }),
      restAccess: { cidrs: ["10.40.0.0/16"] },
    }),
    tls: new FlinkTls(stack, "tls", { internal: { secret: certificate }, rest: { secret: certificate }, protocol: "TLSv1.3" }),
    taskManager: { slots: 2, memory: { process: "6g" } },
  });
  return stack;
}
