import "cdktf/lib/testing/adapters/jest";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { asUnderCdktfCli } from "./helpers/cdktf-cli";
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { EksAccessEntry } from "@cdktf/provider-aws/lib/eks-access-entry";
import { EksAccessPolicyAssociation } from "@cdktf/provider-aws/lib/eks-access-policy-association";
import { EksCluster } from "@cdktf/provider-aws/lib/eks-cluster";
import { EksNodeGroup } from "@cdktf/provider-aws/lib/eks-node-group";
import { KmsKey } from "@cdktf/provider-aws/lib/kms-key";
import { LaunchTemplate } from "@cdktf/provider-aws/lib/launch-template";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { KubernetesProvider } from "@cdktf/provider-kubernetes/lib/provider";
import { App, TerraformLocal, TerraformOutput, TerraformResource, TerraformStack, TerraformVariable, Testing } from "cdktf";
import { IamStatement } from "../lib/cluster-feature";
import { FlinkConfigError } from "../lib/config/problems";
import { FlinkVpc } from "../lib/targets/ec2/flink-vpc";
import { FlinkEksCluster, FlinkEksClusterAttributes, FlinkEksClusterProps, FlinkEksNodeGroupProps, IFlinkEksCluster } from "../lib/targets/eks/flink-eks-cluster";
import { FlinkIrsaRole, FlinkIrsaRoleProps } from "../lib/targets/eks/irsa-role";
import { eksKubernetesProvider } from "../lib/targets/eks/kubernetes-provider";
import { planOffline, terraformAvailability } from "./helpers/terraform";

const SUBNETS = ["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"];
const TASK_MANAGERS: FlinkEksNodeGroupProps = { name: "taskmanagers", instanceTypes: ["m7i.2xlarge"], desired: 2, min: 2, max: 4 };
const PROPS: FlinkEksClusterProps = {
  clusterName: "flink-prod",
  kubernetesVersion: "1.33",
  vpcId: "vpc-0123456789abcdef0",
  subnetIds: SUBNETS,
  nodeGroups: [TASK_MANAGERS],
};
const ISSUER = "https://oidc.eks.eu-west-1.amazonaws.com/id/0123456789ABCDEF0123456789ABCDEF";
const IMPORTED: FlinkEksClusterAttributes = {
  clusterName: "flink-prod",
  endpoint: "https://0123456789ABCDEF0123456789ABCDEF.gr7.eu-west-1.eks.amazonaws.com",
  certificateAuthorityData: "LS0tLS1CRUdJTi...",
  oidcProviderArn: "arn:aws:iam::123456789012:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/0123456789ABCDEF0123456789ABCDEF",
  oidcIssuerUrl: ISSUER,
};

type Resource = Record<string, any>;

function newStack(): TerraformStack {
  return new TerraformStack(Testing.app(), "eks");
}

function build(props: Partial<FlinkEksClusterProps> = {}): { stack: TerraformStack; eks: FlinkEksCluster; synth: string } {
  const stack = newStack();
  const eks = new FlinkEksCluster(stack, "eks", { ...PROPS, ...props });
  return { stack, eks, synth: Testing.synth(stack) };
}

/** The synthesized resources of one Terraform type, by logical id. */
function resources(synth: string, type: string): Record<string, Resource> {
  return JSON.parse(synth).resource?.[type] ?? {};
}

function only(synth: string, type: string): Resource {
  const list = Object.values(resources(synth, type));
  expect(list).toHaveLength(1);
  return list[0];
}

/** The `${...}` expression a reference to a resource's attribute renders to. */
function ref(resource: TerraformResource, attribute: string): string {
  return `\${${resource.terraformResourceType}.${resource.friendlyUniqueId}.${attribute}}`;
}

const warnings = (eks: FlinkEksCluster) => eks.node.metadata.filter((m) => m.type === "@cdktf/warn").map((m) => m.data as string);
const policyOf = (resource: Resource) => JSON.parse(resource.policy ?? resource.assume_role_policy);
const attachedPolicies = (synth: string, role: TerraformResource) =>
  Object.values(resources(synth, "aws_iam_role_policy_attachment"))
    .filter((a) => a.role === ref(role, "name"))
    .map((a) => a.policy_arn)
    .sort();

describe("FlinkEksCluster defaults", () => {
  const { eks, synth } = build();

  test("the cluster: private endpoint only, secrets encrypted with a new rotating key, all log types, access entries", () => {
    const cluster = only(synth, "aws_eks_cluster");
    expect(cluster).toEqual({
      name: "flink-prod",
      version: "1.33",
      role_arn: ref(eks.clusterRole, "arn"),
      vpc_config: { subnet_ids: SUBNETS, endpoint_private_access: true, endpoint_public_access: false },
      encryption_config: { resources: ["secrets"], provider: { key_arn: ref(eks.secretsKey!, "arn") } },
      enabled_cluster_log_types: ["api", "audit", "authenticator", "controllerManager", "scheduler"],
      access_config: { authentication_mode: "API", bootstrap_cluster_creator_admin_permissions: true },
      depends_on: [
        `aws_cloudwatch_log_group.${eks.logGroup.friendlyUniqueId}`,
        expect.stringMatching(/^aws_iam_role_policy_attachment\..*AmazonEKSClusterPolicy/),
        expect.stringMatching(/^aws_iam_role_policy\..*secrets-key/),
      ],
    });
    expect(synth).toHaveResourceWithProperties(KmsKey, { enable_key_rotation: true, deletion_window_in_days: 30 });
    expect(Object.keys(resources(synth, "aws_kms_key"))).toHaveLength(1);
    expect(warnings(eks)).toEqual([]);
  });

  test("control plane logs are kept 90 days in the log group EKS writes to, created before the cluster", () => {
    expect(synth).toHaveResourceWithProperties(CloudwatchLogGroup, { name: "/aws/eks/flink-prod/cluster", retention_in_days: 90 });
    expect(Object.keys(resources(synth, "aws_cloudwatch_log_group"))).toHaveLength(1);
  });

  test("the cluster role: trusted by EKS, exactly AmazonEKSClusterPolicy, and use of the secrets key only", () => {
    const roles = resources(synth, "aws_iam_role");
    expect(policyOf(roles[eks.clusterRole.friendlyUniqueId])).toEqual({
      Version: "2012-10-17",
      Statement: [{ Sid: "EksAssumeRole", Effect: "Allow", Principal: { Service: "eks.amazonaws.com" }, Action: "sts:AssumeRole" }],
    });
    expect(roles[eks.clusterRole.friendlyUniqueId].name_prefix).toBe("flink-prod-cluster-");
    expect(attachedPolicies(synth, eks.clusterRole)).toEqual(["arn:aws:iam::aws:policy/AmazonEKSClusterPolicy"]);
    const inline = Object.values(resources(synth, "aws_iam_role_policy"));
    expect(inline).toHaveLength(1);
    expect(inline[0].role).toBe(ref(eks.clusterRole, "id"));
    expect(policyOf(inline[0])).toEqual({
      Version: "2012-10-17",
      Statement: [
        {
          Sid: "EncryptKubernetesSecrets",
          Effect: "Allow",
          Action: ["kms:Encrypt", "kms:Decrypt", "kms:ListGrants", "kms:DescribeKey"],
          Resource: ref(eks.secretsKey!, "arn"),
        },
      ],
    });
  });

  test("the node role: trusted by EC2, exactly the four node policies", () => {
    const roles = resources(synth, "aws_iam_role");
    expect(Object.keys(roles)).toHaveLength(2);
    expect(policyOf(roles[eks.nodeRole.friendlyUniqueId])).toEqual({
      Version: "2012-10-17",
      Statement: [{ Sid: "Ec2AssumeRole", Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" }],
    });
    expect(attachedPolicies(synth, eks.nodeRole)).toEqual(
      ["AmazonEC2ContainerRegistryReadOnly", "AmazonEKSWorkerNodePolicy", "AmazonEKS_CNI_Policy", "AmazonSSMManagedInstanceCore"].map((p) => `arn:aws:iam::aws:policy/${p}`),
    );
    expect(Object.keys(resources(synth, "aws_iam_role_policy_attachment"))).toHaveLength(5);
  });

  test("node launch templates require IMDSv2 with hop limit 1 and encrypted gp3 root volumes; no AMI or security group of their own", () => {
    const template = only(synth, "aws_launch_template");
    expect(template.metadata_options).toEqual({ http_endpoint: "enabled", http_tokens: "required", http_put_response_hop_limit: 1 });
    expect(template.block_device_mappings).toEqual([
      { device_name: "/dev/xvda", ebs: { volume_size: 50, volume_type: "gp3", encrypted: "true", delete_on_termination: "true" } },
    ]);
    expect(template.image_id).toBeUndefined();
    expect(template.vpc_security_group_ids).toBeUndefined();
    expect(template.name_prefix).toBe("flink-prod-taskmanagers-");
    expect(template.tag_specifications.map((t: Resource) => t.resource_type)).toEqual(["instance", "volume", "network-interface"]);
  });

  test("one managed AL2023 x86_64 node group per entry, on that template's latest version, following the cluster's version", () => {
    const group = only(synth, "aws_eks_node_group");
    const template = eks.launchTemplates.taskmanagers;
    expect(group).toMatchObject({
      cluster_name: ref(eks.cluster, "name"),
      node_group_name: "taskmanagers",
      version: ref(eks.cluster, "version"),
      node_role_arn: ref(eks.nodeRole, "arn"),
      subnet_ids: SUBNETS,
      ami_type: "AL2023_x86_64_STANDARD",
      instance_types: ["m7i.2xlarge"],
      scaling_config: { desired_size: 2, min_size: 2, max_size: 4 },
      launch_template: { id: ref(template, "id"), version: ref(template, "latest_version") },
    });
    expect(group.disk_size).toBeUndefined(); // EKS refuses disk_size beside a launch template
    expect(group.depends_on).toHaveLength(4);
  });

  test("an IAM OIDC provider for the cluster's issuer, for IRSA, without a thumbprint", () => {
    expect(only(synth, "aws_iam_openid_connect_provider")).toEqual({
      url: ref(eks.cluster, "identity[0].oidc[0].issuer"),
      client_id_list: ["sts.amazonaws.com"],
    });
  });

  test("creates nothing else: no access entries, no data sources", () => {
    expect(Object.keys(JSON.parse(synth).resource).sort()).toEqual([
      "aws_cloudwatch_log_group",
      "aws_eks_addon",
      "aws_eks_cluster",
      "aws_eks_node_group",
      "aws_iam_openid_connect_provider",
      "aws_iam_role",
      "aws_iam_role_policy",
      "aws_iam_role_policy_attachment",
      "aws_kms_key",
      "aws_launch_template",
    ]);
    expect(JSON.parse(synth).data).toBeUndefined();
  });

  test("attributes are references to the cluster and the OIDC provider", () => {
    const stack = newStack();
    const created = new FlinkEksCluster(stack, "eks", PROPS);
    const attributes = ["name", "endpoint", "certificateAuthorityData", "oidcProviderArn", "oidcIssuerUrl", "clusterSecurityGroupId", "arn"] as const;
    for (const attribute of attributes) new TerraformOutput(stack, attribute, { value: created[attribute] });
    const outputs = JSON.parse(Testing.synth(stack)).output;
    expect(Object.fromEntries(attributes.map((a) => [a, outputs[a].value]))).toEqual({
      name: ref(created.cluster, "name"),
      endpoint: ref(created.cluster, "endpoint"),
      certificateAuthorityData: ref(created.cluster, "certificate_authority[0].data"),
      oidcProviderArn: ref(created.oidcProvider, "arn"),
      oidcIssuerUrl: ref(created.cluster, "identity[0].oidc[0].issuer"),
      clusterSecurityGroupId: ref(created.cluster, "vpc_config[0].cluster_security_group_id"),
      arn: ref(created.cluster, "arn"),
    });
    expect(created.vpcId).toBe(PROPS.vpcId);
  });
});

describe("FlinkEksCluster options", () => {
  test("a given KMS key: no key is created, and the cluster role may use exactly that key", () => {
    const keyArn = "arn:aws:kms:eu-west-1:123456789012:key/0b1c2d3e-4f5a-6b7c-8d9e-0f1a2b3c4d5e";
    const { eks, synth } = build({ secretsKmsKeyArn: keyArn });
    expect(resources(synth, "aws_kms_key")).toEqual({});
    expect(eks.secretsKey).toBeUndefined();
    expect(synth).toHaveResourceWithProperties(EksCluster, { encryption_config: { resources: ["secrets"], provider: { key_arn: keyArn } } });
    expect(policyOf(only(synth, "aws_iam_role_policy")).Statement[0].Resource).toBe(keyArn);
  });

  test("log types and retention", () => {
    const { synth } = build({ controlPlaneLogTypes: ["audit", "authenticator"], logRetentionDays: 365 });
    expect(synth).toHaveResourceWithProperties(EksCluster, { enabled_cluster_log_types: ["audit", "authenticator"] });
    expect(synth).toHaveResourceWithProperties(CloudwatchLogGroup, { retention_in_days: 365 });
  });

  test("a public endpoint limited to given CIDRs, with no warning", () => {
    const { eks, synth } = build({ endpointAccess: { public: true, publicCidrs: ["203.0.113.0/24"] } });
    expect(synth).toHaveResourceWithProperties(EksCluster, {
      vpc_config: { subnet_ids: SUBNETS, endpoint_private_access: true, endpoint_public_access: true, public_access_cidrs: ["203.0.113.0/24"] },
    });
    expect(warnings(eks)).toEqual([]);
  });

  test("a public endpoint open to the internet is allowed, with a warning", () => {
    const { eks, synth } = build({ endpointAccess: { public: true, publicCidrs: ["0.0.0.0/0"] } });
    expect(synth).toHaveResourceWithProperties(EksCluster, { vpc_config: expect.objectContaining({ public_access_cidrs: ["0.0.0.0/0"] }) });
    expect(warnings(eks)).toEqual([expect.stringMatching(/^\[flink:eks-public-endpoint\] .*0\.0\.0\.0\/0/)]);
  });

  test("node groups: arm64, disk size, labels, taints, tags; one template each", () => {
    const { eks, synth } = build({
      tags: { team: "streaming" },
      nodeGroups: [
        { ...TASK_MANAGERS, diskSize: 200, labels: { "flink.apache.org/role": "taskmanager" }, taints: [{ key: "flink.apache.org/role", value: "taskmanager", effect: "NO_SCHEDULE" }] },
        { name: "system", instanceTypes: ["m7g.large", "c7g.xlarge"], desired: 1, min: 1, max: 2, amiType: "AL2023_ARM_64_STANDARD" },
      ],
    });
    expect(Object.keys(eks.nodeGroups)).toEqual(["taskmanagers", "system"]);
    expect(synth).toHaveResourceWithProperties(EksNodeGroup, {
      node_group_name: "taskmanagers",
      labels: { "flink.apache.org/role": "taskmanager" },
      taint: [{ key: "flink.apache.org/role", value: "taskmanager", effect: "NO_SCHEDULE" }],
      tags: { team: "streaming", Name: "flink-prod-taskmanagers" },
    });
    expect(synth).toHaveResourceWithProperties(EksNodeGroup, {
      node_group_name: "system",
      ami_type: "AL2023_ARM_64_STANDARD",
      instance_types: ["m7g.large", "c7g.xlarge"],
      launch_template: expect.objectContaining({ id: ref(eks.launchTemplates.system, "id") }),
    });
    expect(synth).toHaveResourceWithProperties(LaunchTemplate, { block_device_mappings: [expect.objectContaining({ ebs: expect.objectContaining({ volume_size: 200, encrypted: "true" }) })] });
    expect(Object.keys(resources(synth, "aws_launch_template"))).toHaveLength(2);
    for (const type of ["aws_eks_cluster", "aws_kms_key", "aws_cloudwatch_log_group", "aws_iam_role", "aws_iam_openid_connect_provider"]) {
      for (const resource of Object.values(resources(synth, type))) expect(resource.tags).toEqual({ team: "streaming" });
    }
  });

  test("access entries with cluster-wide and namespaced policies", () => {
    const { eks, synth } = build({
      accessEntries: [
        { principalArn: "arn:aws:iam::123456789012:role/ci", policies: [{ policy: "AmazonEKSClusterAdminPolicy" }] },
        {
          principalArn: "arn:aws:iam::123456789012:role/developers",
          kubernetesGroups: ["flink-viewers"],
          policies: [{ policy: "AmazonEKSEditPolicy", namespaces: ["flink", "flink-*"] }],
        },
      ],
    });
    expect(synth).toHaveResourceWithProperties(EksAccessEntry, { cluster_name: ref(eks.cluster, "name"), principal_arn: "arn:aws:iam::123456789012:role/ci" });
    expect(synth).toHaveResourceWithProperties(EksAccessEntry, { principal_arn: "arn:aws:iam::123456789012:role/developers", kubernetes_groups: ["flink-viewers"] });
    expect(synth).toHaveResourceWithProperties(EksAccessPolicyAssociation, {
      principal_arn: ref(eks.accessEntries[0], "principal_arn"),
      policy_arn: "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy",
      access_scope: { type: "cluster" },
    });
    expect(synth).toHaveResourceWithProperties(EksAccessPolicyAssociation, {
      principal_arn: ref(eks.accessEntries[1], "principal_arn"),
      policy_arn: "arn:aws:eks::aws:cluster-access-policy/AmazonEKSEditPolicy",
      access_scope: { type: "namespace", namespaces: ["flink", "flink-*"] },
    });
  });

  test("without creator admin, and in another partition", () => {
    const { synth } = build({ bootstrapClusterCreatorAdmin: false, partition: "aws-cn" });
    expect(synth).toHaveResourceWithProperties(EksCluster, { access_config: { authentication_mode: "API", bootstrap_cluster_creator_admin_permissions: false } });
    for (const attachment of Object.values(resources(synth, "aws_iam_role_policy_attachment"))) expect(attachment.policy_arn).toMatch(/^arn:aws-cn:iam::aws:policy\//);
  });

  test("tokens are accepted unchecked, and a long or unknown name still makes valid name prefixes", () => {
    const stack = newStack();
    const name = new TerraformVariable(stack, "cluster_name", { type: "string" });
    const subnets = new TerraformVariable(stack, "subnet_ids", { type: "list(string)" });
    new FlinkEksCluster(stack, "eks", { ...PROPS, clusterName: name.stringValue, subnetIds: subnets.listValue, kubernetesVersion: name.stringValue });
    const synth = Testing.synth(stack);
    expect(synth).toHaveResourceWithProperties(EksCluster, { name: "${var.cluster_name}", vpc_config: expect.objectContaining({ subnet_ids: "${var.subnet_ids}" }) });
    expect(Object.values(resources(synth, "aws_iam_role")).map((r) => r.name_prefix).sort()).toEqual(["cluster-", "node-"]);

    const long = build({ clusterName: "a".repeat(100) }).synth;
    for (const role of Object.values(resources(long, "aws_iam_role"))) expect(role.name_prefix).toBe(`${"a".repeat(37)}-`);
    expect(only(long, "aws_launch_template").name_prefix).toBe(`${"a".repeat(98)}-`);
  });

  test("synth is deterministic", () => {
    const props: Partial<FlinkEksClusterProps> = { accessEntries: [{ principalArn: "arn:aws:iam::123456789012:role/ci", policies: [{ policy: "AmazonEKSViewPolicy" }] }] };
    expect(build(props).synth).toBe(build(props).synth);
  });
});

describe("FlinkEksCluster validation", () => {
  const bad: Array<[string, Partial<FlinkEksClusterProps>, RegExp]> = [
    ["cluster name characters", { clusterName: "flink.prod" }, /clusterName must be 1 to 100 letters, digits, '-' and '_'.*\(got "flink\.prod"\)/],
    ["cluster name start", { clusterName: "-flink" }, /clusterName must be 1 to 100/],
    ["cluster name length", { clusterName: "a".repeat(101) }, /clusterName must be 1 to 100/],
    ["Kubernetes version", { kubernetesVersion: "1.33.1" }, /kubernetesVersion must be a Kubernetes minor version "1\.NN".*Fix: use e\.g\. "1\.33"/],
    ["VPC ID", { vpcId: "my-vpc" }, /vpcId must be a VPC ID/],
    ["one subnet", { subnetIds: [SUBNETS[0]] }, /subnetIds must list at least 2 subnets, in different availability zones, not 1/],
    ["a repeated subnet", { subnetIds: [SUBNETS[0], SUBNETS[0]] }, /subnetIds\[1\] repeats an earlier subnet/],
    ["a subnet ID", { subnetIds: [SUBNETS[0], "10.0.0.0/24"] }, /subnetIds\[1\] must be a subnet ID/],
    ["no endpoint", { endpointAccess: { private: false } }, /endpointAccess must enable the private or the public endpoint/],
    ["public without CIDRs", { endpointAccess: { public: true } }, /endpointAccess\.publicCidrs must list the CIDR blocks.*\["0\.0\.0\.0\/0"\]/],
    ["CIDRs without public", { endpointAccess: { publicCidrs: ["203.0.113.0/24"] } }, /endpointAccess\.publicCidrs only apply to the public endpoint, which is off/],
    ["a bad CIDR", { endpointAccess: { public: true, publicCidrs: ["203.0.113.0/33"] } }, /endpointAccess\.publicCidrs\[0\] must be an IPv4 CIDR block/],
    ["a KMS alias", { secretsKmsKeyArn: "arn:aws:kms:eu-west-1:123456789012:alias/eks" }, /secretsKmsKeyArn must be a KMS key ARN.*not an alias/],
    ["a log type", { controlPlaneLogTypes: ["audit", "controllermanager" as never] }, /controlPlaneLogTypes\[1\] must be one of api, audit, authenticator, controllerManager, scheduler/],
    ["a repeated log type", { controlPlaneLogTypes: ["audit", "audit"] }, /controlPlaneLogTypes\[1\] repeats/],
    ["retention forever", { logRetentionDays: 0 }, /logRetentionDays must be one of CloudWatch's retention periods: 1, 3, .*\(got 0\)/],
    ["retention not a CloudWatch period", { logRetentionDays: 100 }, /logRetentionDays must be one of/],
    ["no node group", { nodeGroups: [] }, /nodeGroups must hold at least one node group/],
    ["a node group name", { nodeGroups: [{ ...TASK_MANAGERS, name: "task managers" }] }, /nodeGroups\[0\]\.name must be 1 to 63/],
    ["a repeated node group name", { nodeGroups: [TASK_MANAGERS, TASK_MANAGERS] }, /nodeGroups\[1\]\.name repeats nodeGroups\[0\]\.name/],
    ["no instance type", { nodeGroups: [{ ...TASK_MANAGERS, instanceTypes: [] }] }, /nodeGroups\[0\]\.instanceTypes must name at least one instance type/],
    ["an instance type", { nodeGroups: [{ ...TASK_MANAGERS, instanceTypes: ["m7i-2xlarge"] }] }, /nodeGroups\[0\]\.instanceTypes\[0\] must be an EC2 instance type/],
    ["Graviton on x86_64", { nodeGroups: [{ ...TASK_MANAGERS, instanceTypes: ["m7g.2xlarge"] }] }, /instanceTypes\[0\] is an arm64 \(Graviton\) type, but the node group's amiType is AL2023_x86_64_STANDARD.*AL2023_ARM_64_STANDARD/],
    ["x86_64 on arm64", { nodeGroups: [{ ...TASK_MANAGERS, amiType: "AL2023_ARM_64_STANDARD" }] }, /instanceTypes\[0\] is an x86_64 type, but the node group's amiType is AL2023_ARM_64_STANDARD/],
    ["an AMI type", { nodeGroups: [{ ...TASK_MANAGERS, amiType: "AL2_x86_64" as never }] }, /nodeGroups\[0\]\.amiType must be one of AL2023_x86_64_STANDARD, AL2023_ARM_64_STANDARD/],
    ["a negative count", { nodeGroups: [{ ...TASK_MANAGERS, min: -1 }] }, /nodeGroups\[0\]\.min must be a whole number >= 0/],
    ["a fractional count", { nodeGroups: [{ ...TASK_MANAGERS, desired: 2.5 }] }, /nodeGroups\[0\]\.desired must be a whole number >= 0/],
    ["max 0", { nodeGroups: [{ ...TASK_MANAGERS, desired: 0, min: 0, max: 0 }] }, /nodeGroups\[0\]\.max must be >= 1/],
    ["min above max", { nodeGroups: [{ ...TASK_MANAGERS, min: 5, max: 4 }] }, /nodeGroups\[0\]\.min must be <= max \(4\)/],
    ["desired outside min..max", { nodeGroups: [{ ...TASK_MANAGERS, desired: 5 }] }, /nodeGroups\[0\]\.desired must lie between min \(2\) and max \(4\)/],
    ["a small disk", { nodeGroups: [{ ...TASK_MANAGERS, diskSize: 10 }] }, /nodeGroups\[0\]\.diskSize must be a whole number of GiB from 20/],
    ["a label key", { nodeGroups: [{ ...TASK_MANAGERS, labels: { "bad key": "x" } }] }, /nodeGroups\[0\]\.labels\["bad key"\] must be a Kubernetes label key/],
    ["a label value", { nodeGroups: [{ ...TASK_MANAGERS, labels: { role: "-x" } }] }, /nodeGroups\[0\]\.labels\["role"\] must be a Kubernetes label value/],
    ["a taint effect", { nodeGroups: [{ ...TASK_MANAGERS, taints: [{ key: "role", effect: "NoSchedule" as never }] }] }, /nodeGroups\[0\]\.taints\[0\]\.effect must be one of NO_SCHEDULE, NO_EXECUTE, PREFER_NO_SCHEDULE/],
    ["a principal", { accessEntries: [{ principalArn: "arn:aws:sts::123456789012:assumed-role/ci/session" }] }, /accessEntries\[0\]\.principalArn must be the ARN of an IAM role or user.*use its role's ARN/],
    [
      "a repeated principal",
      { accessEntries: [{ principalArn: "arn:aws:iam::123456789012:role/ci" }, { principalArn: "arn:aws:iam::123456789012:role/ci" }] },
      /accessEntries\[1\]\.principalArn repeats accessEntries\[0\]\.principalArn/,
    ],
    ["an access policy", { accessEntries: [{ principalArn: "arn:aws:iam::123456789012:role/ci", policies: [{ policy: "cluster-admin" }] }] }, /accessEntries\[0\]\.policies\[0\]\.policy must be an EKS access policy name/],
    [
      "an access namespace",
      { accessEntries: [{ principalArn: "arn:aws:iam::123456789012:role/ci", policies: [{ policy: "AmazonEKSViewPolicy", namespaces: ["Flink"] }] }] },
      /accessEntries\[0\]\.policies\[0\]\.namespaces\[0\] must be a DNS-1123 label.*Fix: use a name such as "flink"/,
    ],
  ];
  test.each(bad)("%s", (_, props, message) => {
    expect(() => build(props)).toThrow(message);
  });

  test("every problem is reported at once, under the construct's path", () => {
    let error: unknown;
    try {
      build({ clusterName: "flink prod", kubernetesVersion: "133", nodeGroups: [{ ...TASK_MANAGERS, min: 9 }] });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(FlinkConfigError);
    const message = (error as Error).message;
    expect(message.split("\n")[0]).toBe('FlinkEksCluster "eks/eks":');
    expect((error as FlinkConfigError).problems.map((p) => p.property)).toEqual(["clusterName", "kubernetesVersion", "nodeGroups[0].min"]);
  });
});

describe("FlinkIrsaRole", () => {
  function irsa(cluster: (stack: TerraformStack) => IFlinkEksCluster, props: Partial<Omit<FlinkIrsaRoleProps, "cluster">> = {}) {
    const stack = newStack();
    const role = new FlinkIrsaRole(stack, "state-access", { cluster: cluster(stack), namespace: "flink", serviceAccount: "orders", ...props });
    return { role, synth: Testing.synth(stack) };
  }
  const imported = (stack: TerraformStack) => FlinkEksCluster.fromClusterName(stack, "cluster", IMPORTED);
  const STATEMENTS: IamStatement[] = [
    { sid: "StateObjects", actions: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"], resources: ["arn:aws:s3:::state/flink/orders/*"] },
    { sid: "StateList", actions: ["s3:ListBucket"], resources: ["arn:aws:s3:::state"], conditions: { StringLike: { "s3:prefix": ["flink/orders/*"] } } },
  ];

  test("with a literal issuer: exactly one service account of that cluster may assume it", () => {
    const { synth } = irsa(imported);
    const role = only(synth, "aws_iam_role");
    const host = "oidc.eks.eu-west-1.amazonaws.com/id/0123456789ABCDEF0123456789ABCDEF";
    expect(policyOf(role)).toEqual({
      Version: "2012-10-17",
      Statement: [
        {
          Sid: "ServiceAccountAssumeRole",
          Effect: "Allow",
          Principal: { Federated: IMPORTED.oidcProviderArn },
          Action: "sts:AssumeRoleWithWebIdentity",
          Condition: { StringEquals: { [`${host}:sub`]: "system:serviceaccount:flink:orders", [`${host}:aud`]: "sts.amazonaws.com" } },
        },
      ],
    });
    expect(role.name_prefix).toBe("flink-orders-");
  });

  test("with the created cluster's issuer (a token): Terraform strips https:// from it", () => {
    const stack = newStack();
    const eks = new FlinkEksCluster(stack, "eks", PROPS);
    const role = new FlinkIrsaRole(stack, "state-access", { cluster: eks, namespace: "flink", serviceAccount: "orders" });
    new TerraformOutput(stack, "role-arn", { value: role.roleArn });
    const synth = Testing.synth(stack);
    const host = `\${replace(${ref(eks.cluster, "identity[0].oidc[0].issuer").slice(2, -1)}, "https://", "")}`;
    // The text is a Terraform template: the quotes inside ${...} are HCL's, so it is JSON only once rendered.
    expect(resources(synth, "aws_iam_role")[role.role.friendlyUniqueId].assume_role_policy).toBe(
      `{"Version":"2012-10-17","Statement":[{"Sid":"ServiceAccountAssumeRole","Effect":"Allow","Principal":{"Federated":"${ref(eks.oidcProvider, "arn")}"},` +
        `"Action":"sts:AssumeRoleWithWebIdentity","Condition":{"StringEquals":{"${host}:sub":"system:serviceaccount:flink:orders","${host}:aud":"sts.amazonaws.com"}}}]}`,
    );
    expect(JSON.parse(synth).output["role-arn"].value).toBe(ref(role.role, "arn"));
  });

  test("the inline policy is exactly the given statements", () => {
    const { role, synth } = irsa(imported, { statements: STATEMENTS });
    const policy = only(synth, "aws_iam_role_policy");
    expect(policy.role).toBe(ref(role.role, "id"));
    expect(policyOf(policy)).toEqual({
      Version: "2012-10-17",
      Statement: [
        { Sid: "StateObjects", Effect: "Allow", Action: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"], Resource: "arn:aws:s3:::state/flink/orders/*" },
        { Sid: "StateList", Effect: "Allow", Action: "s3:ListBucket", Resource: "arn:aws:s3:::state", Condition: { StringLike: { "s3:prefix": ["flink/orders/*"] } } },
      ],
    });
  });

  test("no statements, no inline policy", () => {
    for (const statements of [undefined, []]) {
      const { role, synth } = irsa(imported, { statements });
      expect(resources(synth, "aws_iam_role_policy")).toEqual({});
      expect(role.policy).toBeUndefined();
    }
  });

  test.each([
    ["a namespace with capitals", { namespace: "Flink" }, /FlinkIrsaRole "eks\/state-access":\n {2}namespace must be a DNS-1123 label.*\(got "Flink"\)\. Fix: use a name such as "flink"\./],
    ["a namespace too long", { namespace: "n".repeat(64) }, /namespace must be a DNS-1123 label: 1 to 63/],
    ["a namespace with a dot", { namespace: "flink.jobs" }, /namespace must be a DNS-1123 label/],
    ["a service account with '_'", { serviceAccount: "flink_orders" }, /serviceAccount must be a DNS-1123 subdomain.*Fix: use a name such as "flink-orders"/],
    ["a wildcard service account", { serviceAccount: "*" }, /serviceAccount must be a DNS-1123 subdomain/],
    ["an empty service account", { serviceAccount: "" }, /serviceAccount must be a DNS-1123 subdomain/],
  ])("refuses %s", (_, props, message) => {
    expect(() => irsa(imported, props)).toThrow(message);
  });

  test("accepts a dotted service account name and a token namespace", () => {
    const stack = newStack();
    const namespace = new TerraformVariable(stack, "namespace", { type: "string" });
    const role = new FlinkIrsaRole(stack, "r", { cluster: imported(stack), namespace: namespace.stringValue, serviceAccount: "flink.orders" });
    expect(only(Testing.synth(stack), "aws_iam_role").assume_role_policy).toContain('"system:serviceaccount:${var.namespace}:flink.orders"');
    expect(role.subject).toMatch(/:flink\.orders$/);
  });
});

describe("eksKubernetesProvider", () => {
  test("API server and CA from the cluster; a token from `aws eks get-token` on every run", () => {
    const stack = newStack();
    const eks = new FlinkEksCluster(stack, "eks", PROPS);
    eksKubernetesProvider(stack, "kubernetes", eks, { region: "eu-west-1" });
    expect(Testing.synth(stack)).toHaveProviderWithProperties(KubernetesProvider, {
      host: ref(eks.cluster, "endpoint"),
      cluster_ca_certificate: `\${base64decode(${ref(eks.cluster, "certificate_authority[0].data").slice(2, -1)})}`,
      exec: [
        {
          api_version: "client.authentication.k8s.io/v1beta1",
          command: "aws",
          args: ["eks", "get-token", "--cluster-name", ref(eks.cluster, "name"), "--region", "eu-west-1", "--output", "json"],
        },
      ],
    });
  });

  test("an imported cluster, without a region, under an alias", () => {
    const stack = newStack();
    eksKubernetesProvider(stack, "kubernetes", FlinkEksCluster.fromClusterName(stack, "cluster", IMPORTED), { alias: "orders" });
    const provider = JSON.parse(Testing.synth(stack)).provider.kubernetes;
    expect(provider).toEqual([
      {
        alias: "orders",
        host: IMPORTED.endpoint,
        cluster_ca_certificate: `\${base64decode("${IMPORTED.certificateAuthorityData}")}`,
        exec: [{ api_version: "client.authentication.k8s.io/v1beta1", command: "aws", args: ["eks", "get-token", "--cluster-name", "flink-prod", "--output", "json"] }],
      },
    ]);
  });
});

describe("FlinkEksCluster.fromClusterName", () => {
  test("creates nothing and passes the attributes through", () => {
    const stack = newStack();
    const cluster = FlinkEksCluster.fromClusterName(stack, "cluster", IMPORTED);
    expect(JSON.parse(Testing.synth(stack)).resource).toBeUndefined();
    expect({
      clusterName: cluster.name,
      endpoint: cluster.endpoint,
      certificateAuthorityData: cluster.certificateAuthorityData,
      oidcProviderArn: cluster.oidcProviderArn,
      oidcIssuerUrl: cluster.oidcIssuerUrl,
    }).toEqual(IMPORTED);
  });

  test.each([
    ["a cluster name", { clusterName: "flink prod" }, /clusterName must be 1 to 100/],
    ["an endpoint", { endpoint: "0123.gr7.eu-west-1.eks.amazonaws.com" }, /endpoint must be the API server's https:\/\/ URL/],
    ["an issuer", { oidcIssuerUrl: "oidc.eks.eu-west-1.amazonaws.com/id/0123" }, /oidcIssuerUrl must be the cluster's https:\/\/ OIDC issuer URL/],
    ["a provider ARN", { oidcProviderArn: "arn:aws:iam::123456789012:role/x" }, /oidcProviderArn must be an IAM OIDC provider ARN/],
  ])("refuses %s", (_, attributes, message) => {
    expect(() => FlinkEksCluster.fromClusterName(newStack(), "cluster", { ...IMPORTED, ...attributes })).toThrow(message);
  });
});

const availability = terraformAvailability();
if (!availability.ok) {
  // Loud on purpose: a skipped plan must never read as a passed one.
  console.warn(`SKIPPED: terraform plan of the EKS stack (test/eks.test.ts) did not run: ${availability.reason}`);
}
const planTest = availability.ok ? test : test.skip;

describe("terraform plan, offline", () => {
  planTest(
    "an EKS cluster in a FlinkVpc, with IRSA roles for a created and an imported cluster, plans cleanly",
    () => {
      const outdir = fs.mkdtempSync(path.join(os.tmpdir(), "flink-eks-plan-"));
      try {
        const app = new App({ outdir });
        const stack = new TerraformStack(app, "eks-plan");
        new AwsProvider(stack, "aws", { region: "eu-west-1" });
        const vpc = new FlinkVpc(stack, "network", { availabilityZones: ["eu-west-1a", "eu-west-1b"] });
        const eks = new FlinkEksCluster(stack, "flink", {
          clusterName: "flink-plan",
          kubernetesVersion: "1.33",
          vpcId: vpc.vpcId,
          subnetIds: vpc.privateSubnetIds,
          endpointAccess: { public: true, publicCidrs: ["203.0.113.0/24"] },
          nodeGroups: [
            { ...TASK_MANAGERS, labels: { "flink.apache.org/role": "taskmanager" }, taints: [{ key: "flink.apache.org/role", value: "taskmanager", effect: "NO_SCHEDULE" }] },
            { name: "system", instanceTypes: ["m7g.large"], desired: 1, min: 1, max: 2, amiType: "AL2023_ARM_64_STANDARD" },
          ],
          accessEntries: [{ principalArn: "arn:aws:iam::123456789012:role/ci", policies: [{ policy: "AmazonEKSEditPolicy", namespaces: ["flink"] }] }],
          tags: { team: "streaming" },
        });
        new FlinkIrsaRole(stack, "orders", { cluster: eks, namespace: "flink", serviceAccount: "orders", statements: [{ sid: "State", actions: ["s3:GetObject"], resources: ["arn:aws:s3:::state/*"] }] });
        // An issuer known at plan time: the provider then checks the rendered trust policy is valid IAM JSON.
        const issuer = new TerraformLocal(stack, "imported_issuer", IMPORTED.oidcIssuerUrl);
        const imported = FlinkEksCluster.fromClusterName(stack, "imported", { ...IMPORTED, oidcIssuerUrl: issuer.asString });
        new FlinkIrsaRole(stack, "imported-orders", { cluster: imported, namespace: "flink", serviceAccount: "orders" });
        app.synth();

        const tf = JSON.parse(fs.readFileSync(path.join(outdir, "stacks", "eks-plan", "cdk.tf.json"), "utf8"));
        const count = Object.values(tf.resource as Record<string, object>).reduce((sum, byName) => sum + Object.keys(byName).length, 0);
        const { code, output } = planOffline(outdir, ["eks-plan"]);
        console.log(`terraform plan of the EKS stack:\n${output}`);
        expect({ code, output }).toMatchObject({ code: 0 }); // on failure, shows terraform's output
        expect(output).toContain(`eks-plan: Plan: ${count} to add, 0 to change, 0 to destroy.`);
      } finally {
        fs.rmSync(outdir, { recursive: true, force: true });
      }
    },
    10 * 60 * 1000,
  );
});

describe("NetworkPolicy enforcement", () => {
  test("the VPC CNI add-on is installed with NetworkPolicy enforcement on", () => {
    const stack = new TerraformStack(Testing.app(), "netpol");
    new FlinkEksCluster(stack, "eks", {
      clusterName: "analytics",
      kubernetesVersion: "1.33",
      vpcId: "vpc-0123456789abcdef0",
      subnetIds: ["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"],
      nodeGroups: [{ name: "flink", instanceTypes: ["m6i.2xlarge"], desired: 2, min: 2, max: 4 }],
    });
    const addons = Object.values(JSON.parse(Testing.synth(stack)).resource.aws_eks_addon) as Array<Record<string, string>>;
    expect(addons).toHaveLength(1);
    expect(addons[0].addon_name).toBe("vpc-cni");
    expect(JSON.parse(addons[0].configuration_values)).toEqual({ enableNetworkPolicy: "true" });
  });
});

describe("under the cdktf CLI", () => {
  test("a refused EKS cluster is one error annotation without a stack trace, and reading it throws the problem", () => {
    asUnderCdktfCli(() => {
      const stack = newStack();
      const refused = new FlinkEksCluster(stack, "cluster", { ...PROPS, vpcId: "subnet-0123456789abcdef0" });
      const errors = refused.node.metadata.filter((m) => m.type === "@cdktf/error");
      expect(errors.map((m) => [typeof m.data, m.trace])).toEqual([["string", undefined]]);
      expect(errors[0].data).toMatch(/^FlinkEksCluster "eks\/cluster":\n  vpcId /);
      expect(() => refused.oidcIssuerUrl).toThrow(/FlinkEksCluster "eks\/cluster":\n  vpcId /);
    });
  });
});
