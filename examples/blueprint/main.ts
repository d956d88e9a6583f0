import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { App, TerraformStack, TerraformVariable } from "cdktf";
import { AcmeFlinkCluster, AcmeFlinkPlatform } from "./src";

/**
 * An app team's stack on Acme's blueprint (examples/blueprint/src, published as @acme/flink-blueprint):
 * the platform once, then each team's clusters in a few lines. The variables are what Acme's pipeline
 * passes to every stack.
 */
export function blueprintExample(app: App): TerraformStack {
  const stack = new TerraformStack(app, "acme-payments");
  new AwsProvider(stack, "aws", { region: "eu-west-1" });
  const variable = (name: string, description: string) => new TerraformVariable(stack, name, { type: "string", description }).stringValue;
  const platform = new AcmeFlinkPlatform(stack, "platform", {
    availabilityZones: ["eu-west-1a", "eu-west-1b", "eu-west-1c"],
    amiId: variable("ami_id", "Acme's hardened Amazon Linux 2023 AMI"),
    flinkTarballSha512: variable("flink_tarball_sha512", "The SHA-512 of flink-2.3.0-bin-scala_2.12.tgz"),
    zookeeperTarballSha512: variable("zookeeper_tarball_sha512", "The SHA-512 of apache-zookeeper-3.8.4-bin.tar.gz"),
    operationsCidr: "10.40.0.0/16",
  });
  new AcmeFlinkCluster(stack, "fraud", { platform, team: "payments", size: "large", taskManagers: 4, checkpointInterval: "1 min" });
  new AcmeFlinkCluster(stack, "ledger", { platform, team: "payments" });
  return stack;
}
