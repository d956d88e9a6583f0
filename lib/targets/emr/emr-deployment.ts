import { EmrCluster, EmrClusterConfig } from "@cdktf/provider-aws/lib/emr-cluster";
import { EmrSecurityConfiguration } from "@cdktf/provider-aws/lib/emr-security-configuration";
import { IamInstanceProfile } from "@cdktf/provider-aws/lib/iam-instance-profile";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { IamRolePolicyAttachment } from "@cdktf/provider-aws/lib/iam-role-policy-attachment";
import { KmsKey } from "@cdktf/provider-aws/lib/kms-key";
import { SecurityGroup } from "@cdktf/provider-aws/lib/security-group";
import { VpcSecurityGroupEgressRule } from "@cdktf/provider-aws/lib/vpc-security-group-egress-rule";
import { VpcSecurityGroupIngressRule } from "@cdktf/provider-aws/lib/vpc-security-group-ingress-rule";
import { Construct } from "constructs";
import { IamStatement } from "../../cluster-feature";
import { iamPolicyDocument } from "../../private/iam";
import { addClusterOutputs } from "../flink-process";
import { DeployableCluster } from "../target";
import { flinkConfClassification, propertiesClassification } from "./classifications";
import { EmrInstanceFleet, EmrInstanceGroup, EmrTarget } from "./emr-target";
import { emrSteps } from "./emr-steps";

export interface FlinkEmrDeploymentProps {
  readonly target: EmrTarget;
  readonly cluster: DeployableCluster;
}

/** The tag EMR's managed service policy (AmazonEMRServicePolicy_v2) requires on what it may use. */
export const EMR_MANAGED_TAG = "for-use-with-amazon-emr-managed-policies";

/** The ARN of an S3 object, or of every object under a prefix: "s3://bucket/logs/" -> arn:aws:s3:::bucket/logs/*. */
function s3ObjectArn(partition: string, uri: string, kind: "object" | "prefix"): string {
  const [, bucket, key = ""] = /^s3n?:\/\/([^/]+)\/?(.*)$/.exec(uri) ?? [];
  return `arn:${partition}:s3:::${bucket}/${kind === "prefix" ? `${key.replace(/\/?$/, key ? "/" : "")}*` : key}`;
}

/**
 * The AWS resources of Flink on an EMR cluster: the three EMR-managed security groups, a service role
 * with EMR's managed policy and an instance role with only the cluster's grants, a security
 * configuration that encrypts at rest (and in transit, given certificates) and requires IMDSv2, and
 * the cluster itself, whose classifications carry the rendered configuration and whose steps start
 * the session or the application.
 */
export class FlinkEmrDeployment extends Construct {
  public readonly primarySecurityGroup: SecurityGroup;
  public readonly coreSecurityGroup: SecurityGroup;
  public readonly serviceAccessSecurityGroup: SecurityGroup;
  public readonly serviceRole: IamRole;
  public readonly instanceRole: IamRole;
  public readonly instanceProfile: IamInstanceProfile;
  public readonly kmsKeyArn: string;
  public readonly securityConfiguration: EmrSecurityConfiguration;
  public readonly emrCluster: EmrCluster;
  /** The configuration classifications, as configurations_json holds them. */
  public readonly classifications: ReturnType<typeof flinkConfClassification>[];

  constructor(scope: Construct, id: string, props: FlinkEmrDeploymentProps) {
    super(scope, id);
    const { target, cluster } = props;
    const p = target.props;
    const name = cluster.clusterName;
    const partition = p.partition ?? "aws";
    const tags = (suffix: string) => ({ Name: `${name}-${suffix}`, ...cluster.tags, [EMR_MANAGED_TAG]: "true" });
    const ruleTags = tags("rule");

    // EMR adds the rules it needs between its managed groups; it leaves them behind on delete, which
    // revoke_rules_on_delete clears so that the groups can be destroyed.
    const group = (id: string, role: string, description: string) =>
      new SecurityGroup(this, id, { namePrefix: `${name}-emr-${role}-`, description, vpcId: p.vpcId, revokeRulesOnDelete: true, tags: tags(`emr-${role}`), lifecycle: { createBeforeDestroy: true } });
    this.primarySecurityGroup = group("PrimarySecurityGroup", "primary", `Flink ${name} EMR primary node`);
    this.coreSecurityGroup = group("CoreSecurityGroup", "core", `Flink ${name} EMR core nodes`);
    this.serviceAccessSecurityGroup = group("ServiceAccessSecurityGroup", "service", `Flink ${name} EMR service access`);
    this.allowTraffic(name, ruleTags);
    this.allowWebAccess(target, cluster, ruleTags);

    // EMRFS writes Flink's s3:// state with this key: the state storage's own, so the state stays readable
    // by the storage's grants (another target, after a move off EMR) and outlives this cluster.
    this.kmsKeyArn = p.kmsKeyArn ?? cluster.stateStorage?.kmsKeyArn ?? new KmsKey(this, "Key", { description: `Flink ${name} on EMR: S3 and local disks`, enableKeyRotation: true, deletionWindowInDays: 30, tags: tags("key") }).arn;
    const useKey: IamStatement = { sid: "UseClusterKey", actions: ["kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey*", "kms:ReEncrypt*"], resources: [this.kmsKeyArn] };

    // EMR's role: its managed policy, passing the instance role, and the key for the EBS volumes.
    this.instanceRole = new IamRole(this, "InstanceRole", {
      namePrefix: `${name}-emr-node-`,
      assumeRolePolicy: iamPolicyDocument([{ sid: "Ec2AssumeRole", actions: ["sts:AssumeRole"], principals: { Service: "ec2.amazonaws.com" } }]),
      tags: tags("node-role"),
    });
    this.serviceRole = new IamRole(this, "ServiceRole", {
      namePrefix: `${name}-emr-service-`,
      assumeRolePolicy: iamPolicyDocument([{ sid: "EmrAssumeRole", actions: ["sts:AssumeRole"], principals: { Service: "elasticmapreduce.amazonaws.com" } }]),
      tags: tags("service-role"),
    });
    new IamRolePolicyAttachment(this, "ServicePolicy", { role: this.serviceRole.name, policyArn: `arn:${partition}:iam::aws:policy/service-role/AmazonEMRServicePolicy_v2` });
    new IamRolePolicy(this, "ServiceRolePolicy", {
      role: this.serviceRole.id,
      name: "flink-emr-service",
      policy: iamPolicyDocument([
        { sid: "PassInstanceRole", actions: ["iam:PassRole"], resources: [this.instanceRole.arn], conditions: { StringLike: { "iam:PassedToService": "ec2.amazonaws.com*" } } },
        useKey,
        { sid: "GrantKeyToEbs", actions: ["kms:CreateGrant"], resources: [this.kmsKeyArn], conditions: { Bool: { "kms:GrantIsForAWSResource": "true" } } },
      ]),
    });

    // The nodes' role: the features' grants (state storage), EMR's logs, the job jar and certificates, the key.
    const reads = [p.inTransitCertificates, target.mode.job?.jar].filter((uri): uri is string => uri !== undefined).map((uri) => s3ObjectArn(partition, uri, "object"));
    const statements: IamStatement[] = [
      ...cluster.contributions.flatMap((c) => c.iamStatements ?? []),
      { sid: "WriteEmrLogs", actions: ["s3:PutObject"], resources: [s3ObjectArn(partition, p.logUri, "prefix")] },
      ...(reads.length ? [{ sid: "ReadJobAndCertificates", actions: ["s3:GetObject"], resources: reads }] : []),
      useKey,
      { sid: "EmrNodeMetrics", actions: ["cloudwatch:PutMetricData"], resources: ["*"] },
    ];
    new IamRolePolicy(this, "InstanceRolePolicy", { role: this.instanceRole.id, name: "flink-emr-node", policy: iamPolicyDocument(statements) });
    new IamRolePolicyAttachment(this, "Ssm", { role: this.instanceRole.name, policyArn: `arn:${partition}:iam::aws:policy/AmazonSSMManagedInstanceCore` });
    // EMR refuses an instance profile whose name differs from its role's.
    this.instanceProfile = new IamInstanceProfile(this, "InstanceProfile", { name: this.instanceRole.name, role: this.instanceRole.name, tags: tags("profile") });

    this.securityConfiguration = new EmrSecurityConfiguration(this, "SecurityConfiguration", {
      namePrefix: `${name}-flink-`,
      configuration: JSON.stringify({
        EncryptionConfiguration: {
          EnableAtRestEncryption: true,
          EnableInTransitEncryption: p.inTransitCertificates !== undefined,
          ...(p.inTransitCertificates ? { InTransitEncryptionConfiguration: { TLSCertificateConfiguration: { CertificateProviderType: "PEM", S3Object: p.inTransitCertificates } } } : {}),
          AtRestEncryptionConfiguration: {
            S3EncryptionConfiguration: { EncryptionMode: "SSE-KMS", AwsKmsKey: this.kmsKeyArn },
            LocalDiskEncryptionConfiguration: { EncryptionKeyProviderType: "AwsKms", AwsKmsKey: this.kmsKeyArn, EnableEbsEncryption: true },
          },
        },
        InstanceMetadataServiceConfiguration: { MinimumInstanceMetadataServiceVersion: 2, HttpPutResponseHopLimit: 1 },
      }),
    });

    this.classifications = [flinkConfClassification(cluster.configuration.entries as ReadonlyMap<string, never>), propertiesClassification("flink-log4j", cluster.flinkFiles["log4j-console.properties"])];
    const session = target.mode.kind === "session";
    const config: EmrClusterConfig = {
      name: `flink-${name}`,
      releaseLabel: target.releaseLabel(cluster.version)!,
      applications: ["Flink"],
      serviceRole: this.serviceRole.arn,
      securityConfiguration: this.securityConfiguration.name,
      logUri: p.logUri,
      ebsRootVolumeSize: p.rootVolumeSize ?? 30,
      configurationsJson: JSON.stringify(this.classifications),
      terminationProtection: p.terminationProtection ?? true,
      keepJobFlowAliveWhenNoSteps: true,
      unhealthyNodeReplacement: true,
      ec2Attributes: {
        instanceProfile: this.instanceProfile.arn,
        emrManagedMasterSecurityGroup: this.primarySecurityGroup.id,
        emrManagedSlaveSecurityGroup: this.coreSecurityGroup.id,
        serviceAccessSecurityGroup: this.serviceAccessSecurityGroup.id,
        keyName: p.keyPairName,
        ...(p.instanceGroups ? { subnetId: p.subnetIds[0] } : { subnetIds: [...p.subnetIds] }),
      },
      ...(p.instanceGroups ? instanceGroups(p.instanceGroups.primary, p.instanceGroups.core) : instanceFleets(p.instanceFleets!.primary, p.instanceFleets!.core)),
      step: emrSteps(cluster.clusterName, target.mode),
      // Steps are read back from EMR: a session's users add their own (jobs), which must not replace the
      // cluster. An application's steps are its job: a new jar or arguments replace the cluster.
      lifecycle: session ? { ignoreChanges: ["step"] } : undefined,
      tags: tags("emr"),
      dependsOn: [this.instanceProfile],
    };
    this.emrCluster = new EmrCluster(this, "Cluster", config);

    const primary = this.emrCluster.masterPublicDns;
    const findApplication = `yarn application -list -appStates RUNNING 2>/dev/null | awk '$2 == "${name}" {print $1}'`;
    addClusterOutputs(this, cluster, {
      emrClusterId: this.emrCluster.id,
      primaryNode: primary,
      resourceManagerUrl: `http://${primary}:8088`,
      flinkWebUi: `http://${primary}:20888/proxy/<YARN application id of ${name}>/ (find it on the primary node: ${findApplication})`,
      ...(session
        ? {
            submitJob: `flink run -t yarn-session -Dyarn.application.id="$(${findApplication})" <job.jar>`,
            listJobs: `flink list -t yarn-session -Dyarn.application.id="$(${findApplication})"`,
          }
        : {}),
    }, {
      runtime: `emr ${config.releaseLabel}`,
      // The EMR cluster runs both: YARN's ApplicationMaster (the JobManager) and the TaskManager containers.
      jobManager: [this.emrCluster],
      taskManagers: [this.emrCluster],
    });
  }

  /**
   * Egress, which Terraform removes from new groups: the nodes to each other, to EMR's service access
   * group and out on 443 (S3, EMR and the package mirrors, through endpoints or NAT); the service
   * access group's own rules, which private subnets require.
   */
  private allowTraffic(name: string, ruleTags: Record<string, string>): void {
    const [primary, core, service] = [this.primarySecurityGroup, this.coreSecurityGroup, this.serviceAccessSecurityGroup];
    for (const [role, from] of [["Primary", primary], ["Core", core]] as const) {
      for (const [peer, to] of [["Primary", primary], ["Core", core]] as const) {
        new VpcSecurityGroupEgressRule(this, `${role}To${peer}`, { securityGroupId: from.id, referencedSecurityGroupId: to.id, ipProtocol: "-1", description: `Flink ${name}: EMR nodes to each other`, tags: ruleTags });
      }
      new VpcSecurityGroupEgressRule(this, `${role}ToServiceAccess`, { securityGroupId: from.id, referencedSecurityGroupId: service.id, ipProtocol: "tcp", fromPort: 9443, toPort: 9443, description: "EMR service access", tags: ruleTags });
      new VpcSecurityGroupEgressRule(this, `${role}Https`, { securityGroupId: from.id, cidrIpv4: "0.0.0.0/0", ipProtocol: "tcp", fromPort: 443, toPort: 443, description: "S3, EMR and AWS APIs", tags: ruleTags });
      new VpcSecurityGroupEgressRule(this, `ServiceAccessTo${role}`, { securityGroupId: service.id, referencedSecurityGroupId: from.id, ipProtocol: "tcp", fromPort: 8443, toPort: 8443, description: "EMR service to the nodes", tags: ruleTags });
    }
    new VpcSecurityGroupIngressRule(this, "ServiceAccessFromPrimary", { securityGroupId: service.id, referencedSecurityGroupId: primary.id, ipProtocol: "tcp", fromPort: 9443, toPort: 9443, description: "EMR primary node to the service", tags: ruleTags });
  }

  /** Who may open YARN's web UIs on the primary node, and the ZooKeeper quorum's client port for HA. */
  private allowWebAccess(target: EmrTarget, cluster: DeployableCluster, ruleTags: Record<string, string>): void {
    const access = target.props.webAccess;
    const ports: Array<[string, number]> = [["ResourceManager", 8088], ["YarnProxy", 20888]];
    for (const [label, port] of ports) {
      (access?.cidrs ?? []).forEach((cidr, i) => {
        new VpcSecurityGroupIngressRule(this, `${label}FromCidr${i}`, { securityGroupId: this.primarySecurityGroup.id, cidrIpv4: cidr, ipProtocol: "tcp", fromPort: port, toPort: port, description: `YARN ${label} UI`, tags: ruleTags });
      });
      (access?.securityGroupIds ?? []).forEach((group, i) => {
        new VpcSecurityGroupIngressRule(this, `${label}FromGroup${i}`, { securityGroupId: this.primarySecurityGroup.id, referencedSecurityGroupId: group, ipProtocol: "tcp", fromPort: port, toPort: port, description: `YARN ${label} UI`, tags: ruleTags });
      });
    }
    const quorum = cluster.contributions.find((c) => c.highAvailability?.quorum)?.highAvailability?.quorum;
    if (quorum?.securityGroupId) {
      const port = quorum.clientPort;
      for (const [role, group] of [["Primary", this.primarySecurityGroup], ["Core", this.coreSecurityGroup]] as const) {
        new VpcSecurityGroupEgressRule(this, `${role}ToZooKeeper`, { securityGroupId: group.id, referencedSecurityGroupId: quorum.securityGroupId, ipProtocol: "tcp", fromPort: port, toPort: port, description: `ZooKeeper ${quorum.description}`.slice(0, 255), tags: ruleTags });
        new VpcSecurityGroupIngressRule(this, `ZooKeeperFrom${role}`, { securityGroupId: quorum.securityGroupId, referencedSecurityGroupId: group.id, ipProtocol: "tcp", fromPort: port, toPort: port, description: `Flink ${cluster.clusterName} on EMR to ZooKeeper`, tags: ruleTags });
      }
    }
    (quorum?.cidrs ?? []).forEach((cidr, i) => {
      for (const [role, group] of [["Primary", this.primarySecurityGroup], ["Core", this.coreSecurityGroup]] as const) {
        new VpcSecurityGroupEgressRule(this, `${role}ToZooKeeperCidr${i}`, { securityGroupId: group.id, cidrIpv4: cidr, ipProtocol: "tcp", fromPort: quorum!.clientPort, toPort: quorum!.clientPort, description: `ZooKeeper ${quorum!.description}`.slice(0, 255), tags: ruleTags });
      }
    });
  }
}

const ebs = (sizeGiB: number | undefined) => [{ size: sizeGiB ?? 64, type: "gp3", volumesPerInstance: 1 }];

function instanceGroups(primary: EmrInstanceGroup, core: EmrInstanceGroup): Pick<EmrClusterConfig, "masterInstanceGroup" | "coreInstanceGroup"> {
  return {
    masterInstanceGroup: { instanceType: primary.instanceType, instanceCount: 1, ebsConfig: ebs(primary.ebsSizeGiB) },
    coreInstanceGroup: { instanceType: core.instanceType, instanceCount: core.count ?? 2, ebsConfig: ebs(core.ebsSizeGiB) },
  };
}

function instanceFleets(primary: EmrInstanceFleet, core: EmrInstanceFleet): Pick<EmrClusterConfig, "masterInstanceFleet" | "coreInstanceFleet"> {
  const types = (fleet: EmrInstanceFleet) => fleet.instanceTypes.map((instanceType) => ({ instanceType, weightedCapacity: 1, ebsConfig: ebs(fleet.ebsSizeGiB) }));
  return {
    masterInstanceFleet: { name: "primary", targetOnDemandCapacity: 1, instanceTypeConfigs: types(primary) },
    coreInstanceFleet: { name: "core", targetOnDemandCapacity: core.onDemandCapacity ?? 2, targetSpotCapacity: core.spotCapacity ?? 0, instanceTypeConfigs: types(core) },
  };
}
