import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { EksAccessEntry } from "@cdktf/provider-aws/lib/eks-access-entry";
import { EksAccessPolicyAssociation } from "@cdktf/provider-aws/lib/eks-access-policy-association";
import { EksAddon } from "@cdktf/provider-aws/lib/eks-addon";
import { EksCluster } from "@cdktf/provider-aws/lib/eks-cluster";
import { EksNodeGroup } from "@cdktf/provider-aws/lib/eks-node-group";
import { IamOpenidConnectProvider } from "@cdktf/provider-aws/lib/iam-openid-connect-provider";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { IamRolePolicyAttachment } from "@cdktf/provider-aws/lib/iam-role-policy-attachment";
import { KmsKey } from "@cdktf/provider-aws/lib/kms-key";
import { LaunchTemplate } from "@cdktf/provider-aws/lib/launch-template";
import { Annotations, Token } from "cdktf";
import { Construct, IConstruct } from "constructs";
import { Problems } from "../../config/problems";
import { isIpv4Cidr, isKmsKeyArn } from "../../private/validate";
import { iamPolicyDocument } from "../../private/iam";
import { checkDnsLabel, checkLabelKey, checkLabelValue } from "../kubernetes/kubernetes-names";
import { reportUnderCdktfCli } from "../../private/report";
import { IAM_ROLE_PREFIX_MAX, LAUNCH_TEMPLATE_PREFIX_MAX, namePrefix } from "./name-prefix";

/** What workloads need to know about an EKS cluster, whether this library created it or not. */
export interface IFlinkEksCluster extends IConstruct {
  /** The cluster's name. */
  readonly name: string;
  /** The Kubernetes API server's URL (https://...). */
  readonly endpoint: string;
  /** The cluster's certificate authority, base64-encoded PEM, as EKS reports it. */
  readonly certificateAuthorityData: string;
  /** The ARN of the IAM OIDC provider of the cluster's issuer, the principal of IRSA trust policies. */
  readonly oidcProviderArn: string;
  /** The cluster's OIDC issuer URL (https://oidc.eks.<region>.amazonaws.com/id/<id>). */
  readonly oidcIssuerUrl: string;
}

/** AL2023 EKS-optimized AMIs; the architecture must match the node group's instance types. */
export type EksAmiType = "AL2023_x86_64_STANDARD" | "AL2023_ARM_64_STANDARD";
export type EksControlPlaneLogType = "api" | "audit" | "authenticator" | "controllerManager" | "scheduler";
export type EksTaintEffect = "NO_SCHEDULE" | "NO_EXECUTE" | "PREFER_NO_SCHEDULE";

/**
 * Who can reach the Kubernetes API server, and from where.
 * @see https://docs.aws.amazon.com/eks/latest/userguide/cluster-endpoint.html
 */
export interface FlinkEksEndpointAccess {
  /** The endpoint inside the VPC (nodes and anything in the VPC use it). @default true */
  readonly private?: boolean;
  /**
   * The endpoint on the internet, limited to `publicCidrs`. A CI runner outside the VPC needs it.
   * @default false
   */
  readonly public?: boolean;
  /**
   * IPv4 CIDR blocks that may reach the public endpoint; required with `public: true` (write
   * `["0.0.0.0/0"]` to mean the whole internet, which is reported as a warning).
   * @default - none; only with `public: true`
   */
  readonly publicCidrs?: string[];
}

export interface FlinkEksNodeTaint {
  readonly key: string;
  /** @default - no value */
  readonly value?: string;
  readonly effect: EksTaintEffect;
}

/** One EKS managed node group. Its nodes run in the cluster's subnets. */
export interface FlinkEksNodeGroupProps {
  /** The node group's name, unique in the cluster: 1-63 letters, digits, '-' and '_', starting with a letter or digit. */
  readonly name: string;
  /** EC2 instance types, e.g. `["m7i.2xlarge"]`; all of the AMI's architecture. */
  readonly instanceTypes: string[];
  /** Nodes to run now. */
  readonly desired: number;
  readonly min: number;
  readonly max: number;
  /**
   * The root volume's size in GiB (encrypted gp3). Container images and, unless a volume is mounted,
   * RocksDB's local state and Flink's logs live on it, hence more than EKS's 20 GiB.
   * @default 50
   */
  readonly diskSize?: number;
  /** @default "AL2023_x86_64_STANDARD" */
  readonly amiType?: EksAmiType;
  /** Kubernetes labels of the nodes. @default - none */
  readonly labels?: Record<string, string>;
  /** Kubernetes taints of the nodes, e.g. to keep everything but TaskManagers off them. @default - none */
  readonly taints?: FlinkEksNodeTaint[];
}

/**
 * An EKS access policy granted to an access entry.
 * @see https://docs.aws.amazon.com/eks/latest/userguide/access-policy-permissions.html
 */
export interface FlinkEksAccessPolicy {
  /** A policy name such as "AmazonEKSClusterAdminPolicy" or "AmazonEKSViewPolicy", or its full ARN. */
  readonly policy: string;
  /** Namespaces the policy applies in. @default - the whole cluster */
  readonly namespaces?: string[];
}

/** An IAM principal given access to the Kubernetes API (authentication mode API). */
export interface FlinkEksAccessEntry {
  /** The ARN of an IAM role or user. */
  readonly principalArn: string;
  /** @default - none */
  readonly policies?: FlinkEksAccessPolicy[];
  /** Kubernetes groups for RBAC bindings of your own. @default - none */
  readonly kubernetesGroups?: string[];
}

export interface FlinkEksClusterProps {
  /**
   * The EKS cluster's name: 1-100 letters, digits, '-' and '_', starting with a letter or digit.
   * @see https://docs.aws.amazon.com/eks/latest/APIReference/API_CreateCluster.html
   */
  readonly clusterName: string;
  /**
   * The Kubernetes minor version, "1.NN", e.g. "1.33". Node groups follow it.
   * @see https://docs.aws.amazon.com/eks/latest/userguide/kubernetes-versions.html
   */
  readonly kubernetesVersion: string;
  /** The VPC of the subnets. EKS derives it from the subnets; it is kept here for workloads (`vpcId`). */
  readonly vpcId: string;
  /**
   * At least 2 private subnets in different availability zones, for the control plane's network
   * interfaces and the nodes. Private: nodes get no public address (not checked: that needs AWS).
   */
  readonly subnetIds: string[];
  /** @default - private endpoint only */
  readonly endpointAccess?: FlinkEksEndpointAccess;
  /**
   * A KMS key ARN for envelope encryption of Kubernetes secrets (a key ARN, not an alias: the cluster
   * role is granted use of it by ARN).
   * @default - a new KMS key with yearly rotation
   */
  readonly secretsKmsKeyArn?: string;
  /** @default - all five: api, audit, authenticator, controllerManager, scheduler */
  readonly controlPlaneLogTypes?: EksControlPlaneLogType[];
  /**
   * Days CloudWatch keeps control plane logs, one of CloudWatch's values (1, 3, 5, 7, 14, 30, 60, 90,
   * 120, 150, 180, 365, ...). EKS would otherwise create the log group itself and keep logs forever.
   * @default 90
   */
  readonly logRetentionDays?: number;
  /** At least one managed node group. */
  readonly nodeGroups: FlinkEksNodeGroupProps[];
  /** IAM principals given Kubernetes API access. @default - none besides the cluster creator */
  readonly accessEntries?: FlinkEksAccessEntry[];
  /**
   * Make whoever creates the cluster (the identity running Terraform) a cluster admin, so that the same
   * identity can deploy workloads. Changing it replaces the cluster. An access entry for that same
   * principal then conflicts at apply.
   * @default true
   */
  readonly bootstrapClusterCreatorAdmin?: boolean;
  /** The AWS partition of managed policy ARNs. @default "aws" */
  readonly partition?: string;
  /** Tags for every resource. @default - none */
  readonly tags?: Record<string, string>;
}

const ALL_LOG_TYPES: readonly EksControlPlaneLogType[] = ["api", "audit", "authenticator", "controllerManager", "scheduler"];
const AMI_TYPES: readonly EksAmiType[] = ["AL2023_x86_64_STANDARD", "AL2023_ARM_64_STANDARD"];
const TAINT_EFFECTS: readonly EksTaintEffect[] = ["NO_SCHEDULE", "NO_EXECUTE", "PREFER_NO_SCHEDULE"];
/** CloudWatch Logs' allowed retention periods; 0 (never expire) is left out on purpose. */
const RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653];
const DEFAULT_RETENTION_DAYS = 90;
const DEFAULT_DISK_GIB = 50;
/** The AL2023 AMIs' root snapshot is 20 GiB; a smaller volume cannot be created from it. */
const MIN_DISK_GIB = 20;
/** gp3's largest volume. */
const MAX_DISK_GIB = 16384;
const EKS_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]*$/;
const NODE_ROLE_POLICIES = ["AmazonEKSWorkerNodePolicy", "AmazonEKS_CNI_Policy", "AmazonEC2ContainerRegistryReadOnly", "AmazonSSMManagedInstanceCore"];
const CLUSTER_ROLE_POLICIES = ["AmazonEKSClusterPolicy"];

/**
 * An EKS cluster for Flink workloads, secure by default: private API endpoint, Kubernetes secrets
 * encrypted with KMS, every control plane log type kept 90 days, access entries (authentication mode
 * API), managed AL2023 node groups that require IMDSv2 and encrypted gp3 volumes, and an IAM OIDC
 * provider for IRSA (see FlinkIrsaRole). Makes no data-source look-ups, so plans run offline.
 */
export class FlinkEksCluster extends Construct implements IFlinkEksCluster {
  /**
   * An existing cluster, by the attributes workloads need (e.g. the outputs of the stack that made it);
   * creates no resources and looks nothing up.
   */
  public static fromClusterName(scope: Construct, id: string, options: FlinkEksClusterAttributes): IFlinkEksCluster {
    return new ImportedFlinkEksCluster(scope, id, options);
  }

  public readonly cluster!: EksCluster;
  public readonly name!: string;
  public readonly arn!: string;
  public readonly endpoint!: string;
  public readonly certificateAuthorityData!: string;
  public readonly oidcProvider!: IamOpenidConnectProvider;
  /** The VPC CNI add-on, with NetworkPolicy enforcement on. */
  public readonly vpcCniAddon!: EksAddon;
  public readonly oidcProviderArn!: string;
  public readonly oidcIssuerUrl!: string;
  /** The security group EKS creates for the control plane and managed nodes; admit Flink traffic to it. */
  public readonly clusterSecurityGroupId!: string;
  public readonly vpcId!: string;
  public readonly subnetIds!: string[];
  public readonly clusterRole!: IamRole;
  public readonly nodeRole!: IamRole;
  /** The key that encrypts Kubernetes secrets, when this construct created it. */
  public readonly secretsKey?: KmsKey;
  public readonly secretsKmsKeyArn!: string;
  public readonly logGroup!: CloudwatchLogGroup;
  /** By node group name. */
  public readonly nodeGroups!: Readonly<Record<string, EksNodeGroup>>;
  /** By node group name. */
  public readonly launchTemplates!: Readonly<Record<string, LaunchTemplate>>;
  public readonly accessEntries!: EksAccessEntry[];

  constructor(scope: Construct, id: string, props: FlinkEksClusterProps) {
    super(scope, id);
    // Under the cdktf CLI a refused construct is an error annotation (see reportUnderCdktfCli).
    try {
      const problems = new Problems();
      checkClusterName("clusterName", props.clusterName, problems);
      checkKubernetesVersion(props.kubernetesVersion, problems);
      checkVpcAndSubnets(props.vpcId, props.subnetIds, problems);
      const endpoint = checkEndpointAccess(props.endpointAccess, problems);
      checkSecretsKey(props.secretsKmsKeyArn, problems);
      const logTypes = checkLogTypes(props.controlPlaneLogTypes, problems);
      const retentionDays = props.logRetentionDays ?? DEFAULT_RETENTION_DAYS;
      if (!Token.isUnresolved(retentionDays) && !RETENTION_DAYS.includes(retentionDays)) {
        problems.error("logRetentionDays", retentionDays, `must be one of CloudWatch's retention periods: ${RETENTION_DAYS.join(", ")}`, `use ${DEFAULT_RETENTION_DAYS}.`);
      }
      checkNodeGroups(props.nodeGroups, problems);
      checkAccessEntries(props.accessEntries ?? [], problems);
      problems.throwIfErrors(`FlinkEksCluster "${this.node.path}":`);
      for (const warning of problems.warnings) Annotations.of(this).addWarning(`[${warning.id}] ${warning.message}`);

      const name = props.clusterName;
      const partition = props.partition ?? "aws";
      const tags = props.tags;
      const managedPolicyArn = (policy: string) => `arn:${partition}:iam::aws:policy/${policy}`;

      this.clusterRole = new IamRole(this, "cluster-role", {
        namePrefix: namePrefix([name, "cluster"], IAM_ROLE_PREFIX_MAX),
        assumeRolePolicy: iamPolicyDocument([{ sid: "EksAssumeRole", actions: ["sts:AssumeRole"], principals: { Service: "eks.amazonaws.com" } }]),
        tags,
      });
      const clusterPolicies = CLUSTER_ROLE_POLICIES.map(
        (policy) => new IamRolePolicyAttachment(this, `cluster-role-${policy}`, { role: this.clusterRole.name, policyArn: managedPolicyArn(policy) }),
      );

      if (props.secretsKmsKeyArn === undefined) {
        this.secretsKey = new KmsKey(this, "secrets-key", {
          description: `Envelope encryption of Kubernetes secrets of EKS cluster ${name}`,
          enableKeyRotation: true,
          deletionWindowInDays: 30,
          tags,
        });
        this.secretsKmsKeyArn = this.secretsKey.arn;
      } else {
        this.secretsKmsKeyArn = props.secretsKmsKeyArn;
      }
      // EKS encrypts and decrypts secrets as the cluster role; AmazonEKSClusterPolicy grants no KMS use.
      const secretsKeyPolicy = new IamRolePolicy(this, "cluster-role-secrets-key", {
        role: this.clusterRole.id,
        name: "kubernetes-secrets-encryption",
        policy: iamPolicyDocument([
          { sid: "EncryptKubernetesSecrets", actions: ["kms:Encrypt", "kms:Decrypt", "kms:ListGrants", "kms:DescribeKey"], resources: [this.secretsKmsKeyArn] },
        ]),
      });

      // Created before the cluster: EKS would otherwise create it on first write, with no retention.
      this.logGroup = new CloudwatchLogGroup(this, "control-plane-logs", { name: `/aws/eks/${name}/cluster`, retentionInDays: retentionDays, tags });

      this.cluster = new EksCluster(this, "cluster", {
        name,
        version: props.kubernetesVersion,
        roleArn: this.clusterRole.arn,
        vpcConfig: {
          subnetIds: [...props.subnetIds],
          endpointPrivateAccess: endpoint.private,
          endpointPublicAccess: endpoint.public,
          ...(endpoint.public ? { publicAccessCidrs: [...endpoint.publicCidrs] } : {}),
        },
        encryptionConfig: { resources: ["secrets"], provider: { keyArn: this.secretsKmsKeyArn } },
        enabledClusterLogTypes: [...logTypes],
        accessConfig: { authenticationMode: "API", bootstrapClusterCreatorAdminPermissions: props.bootstrapClusterCreatorAdmin ?? true },
        tags,
        // Created after and deleted before the role's policies: EKS needs them to create the cluster and, on
        // delete, to remove its network interfaces.
        dependsOn: [this.logGroup, ...clusterPolicies, secretsKeyPolicy],
      });
      this.name = this.cluster.name;
      this.arn = this.cluster.arn;
      this.endpoint = this.cluster.endpoint;
      this.certificateAuthorityData = this.cluster.certificateAuthority.get(0).data;
      this.oidcIssuerUrl = this.cluster.identity.get(0).oidc.get(0).issuer;
      this.clusterSecurityGroupId = this.cluster.vpcConfig.clusterSecurityGroupId;
      this.vpcId = props.vpcId;
      this.subnetIds = [...props.subnetIds];

      // No thumbprint_list: optional in hashicorp/aws 5.100, and IAM no longer checks it for EKS issuers.
      this.oidcProvider = new IamOpenidConnectProvider(this, "oidc-provider", { url: this.oidcIssuerUrl, clientIdList: ["sts.amazonaws.com"], tags });
      // The VPC CNI enforces Kubernetes NetworkPolicies only when asked to; the Flink targets rely on them.
      this.vpcCniAddon = new EksAddon(this, "vpc-cni", {
        clusterName: this.cluster.name,
        addonName: "vpc-cni",
        configurationValues: JSON.stringify({ enableNetworkPolicy: "true" }),
        resolveConflictsOnCreate: "OVERWRITE",
        resolveConflictsOnUpdate: "OVERWRITE",
        tags,
      });
      this.oidcProviderArn = this.oidcProvider.arn;

      this.nodeRole = new IamRole(this, "node-role", {
        namePrefix: namePrefix([name, "node"], IAM_ROLE_PREFIX_MAX),
        assumeRolePolicy: iamPolicyDocument([{ sid: "Ec2AssumeRole", actions: ["sts:AssumeRole"], principals: { Service: "ec2.amazonaws.com" } }]),
        tags,
      });
      const nodePolicies = NODE_ROLE_POLICIES.map(
        (policy) => new IamRolePolicyAttachment(this, `node-role-${policy}`, { role: this.nodeRole.name, policyArn: managedPolicyArn(policy) }),
      );

      const nodeGroups: Record<string, EksNodeGroup> = {};
      const launchTemplates: Record<string, LaunchTemplate> = {};
      for (const group of props.nodeGroups) {
        const groupTags = { ...tags, Name: `${name}-${group.name}` };
        const launchTemplate = new LaunchTemplate(this, `${group.name}-launch-template`, {
          namePrefix: namePrefix([name, group.name], LAUNCH_TEMPLATE_PREFIX_MAX),
          description: `EKS cluster ${name}, node group ${group.name}`,
          // No image and no security groups: EKS picks the AMI by ami_type and attaches the cluster security group.
          metadataOptions: {
            httpEndpoint: "enabled",
            httpTokens: "required",
            // 1, not 2: the extra hop would let every pod in a container network read the node role's
            // credentials from IMDS. Pods get AWS credentials through IRSA; the VPC CNI and kube-proxy run
            // in the host network and still reach IMDS.
            httpPutResponseHopLimit: 1,
          },
          blockDeviceMappings: [
            {
              deviceName: "/dev/xvda",
              ebs: { volumeSize: group.diskSize ?? DEFAULT_DISK_GIB, volumeType: "gp3", encrypted: "true", deleteOnTermination: "true" },
            },
          ],
          tagSpecifications: ["instance", "volume", "network-interface"].map((resourceType) => ({ resourceType, tags: groupTags })),
          tags,
          updateDefaultVersion: true,
        });
        launchTemplates[group.name] = launchTemplate;
        nodeGroups[group.name] = new EksNodeGroup(this, `${group.name}-node-group`, {
          clusterName: this.cluster.name,
          nodeGroupName: group.name,
          // Nodes follow the control plane's version in the same apply, after it.
          version: this.cluster.version,
          nodeRoleArn: this.nodeRole.arn,
          subnetIds: [...props.subnetIds],
          amiType: group.amiType ?? "AL2023_x86_64_STANDARD",
          instanceTypes: [...group.instanceTypes],
          scalingConfig: { desiredSize: group.desired, minSize: group.min, maxSize: group.max },
          // A new template version (a changed setting) rolls the nodes.
          launchTemplate: { id: launchTemplate.id, version: Token.asString(launchTemplate.latestVersion) },
          labels: group.labels,
          taint: group.taints?.map((taint) => ({ key: taint.key, value: taint.value, effect: taint.effect })),
          tags: groupTags,
          // The node role's policies must outlive the nodes, or they cannot deregister on delete.
          dependsOn: nodePolicies,
        });
      }
      this.nodeGroups = nodeGroups;
      this.launchTemplates = launchTemplates;

      this.accessEntries = (props.accessEntries ?? []).map((entry, i) => {
        const accessEntry = new EksAccessEntry(this, `access-entry-${i}`, {
          clusterName: this.cluster.name,
          principalArn: entry.principalArn,
          kubernetesGroups: entry.kubernetesGroups,
          tags,
        });
        (entry.policies ?? []).forEach((grant, j) => {
          new EksAccessPolicyAssociation(this, `access-entry-${i}-policy-${j}`, {
            clusterName: this.cluster.name,
            principalArn: accessEntry.principalArn,
            policyArn: grant.policy.startsWith("arn:") ? grant.policy : `arn:${partition}:eks::aws:cluster-access-policy/${grant.policy}`,
            accessScope: grant.namespaces ? { type: "namespace", namespaces: [...grant.namespaces] } : { type: "cluster" },
          });
        });
        return accessEntry;
      });
    } catch (error) {
      reportUnderCdktfCli(this, error);
    }
  }
}

/** The attributes of an existing cluster, for `FlinkEksCluster.fromClusterName`. */
export interface FlinkEksClusterAttributes {
  readonly clusterName: string;
  readonly endpoint: string;
  readonly certificateAuthorityData: string;
  readonly oidcProviderArn: string;
  readonly oidcIssuerUrl: string;
}

class ImportedFlinkEksCluster extends Construct implements IFlinkEksCluster {
  public readonly name!: string;
  public readonly endpoint!: string;
  public readonly certificateAuthorityData!: string;
  public readonly oidcProviderArn!: string;
  public readonly oidcIssuerUrl!: string;

  constructor(scope: Construct, id: string, attributes: FlinkEksClusterAttributes) {
    super(scope, id);
    // Under the cdktf CLI a refused construct is an error annotation (see reportUnderCdktfCli).
    try {
      const problems = new Problems();
      checkClusterName("clusterName", attributes.clusterName, problems);
      const { endpoint, oidcIssuerUrl, oidcProviderArn } = attributes;
      if (!Token.isUnresolved(endpoint) && !endpoint.startsWith("https://")) {
        problems.error("endpoint", endpoint, "must be the API server's https:// URL", "pass the cluster's `endpoint` attribute as EKS reports it.");
      }
      if (!Token.isUnresolved(oidcIssuerUrl) && !oidcIssuerUrl.startsWith("https://")) {
        problems.error("oidcIssuerUrl", oidcIssuerUrl, "must be the cluster's https:// OIDC issuer URL", "pass identity[0].oidc[0].issuer as EKS reports it.");
      }
      if (!Token.isUnresolved(oidcProviderArn) && !/^arn:[\w-]+:iam::\d{12}:oidc-provider\/.+$/.test(oidcProviderArn)) {
        problems.error("oidcProviderArn", oidcProviderArn, "must be an IAM OIDC provider ARN (arn:aws:iam::<account>:oidc-provider/<issuer host and path>)");
      }
      problems.throwIfErrors(`FlinkEksCluster "${this.node.path}":`);
      this.name = attributes.clusterName;
      this.endpoint = endpoint;
      this.certificateAuthorityData = attributes.certificateAuthorityData;
      this.oidcProviderArn = oidcProviderArn;
      this.oidcIssuerUrl = oidcIssuerUrl;
    } catch (error) {
      reportUnderCdktfCli(this, error);
    }
  }
}

function checkClusterName(property: string, name: string, problems: Problems): void {
  if (Token.isUnresolved(name)) return;
  if (name.length < 1 || name.length > 100 || !EKS_NAME.test(name)) {
    problems.error(property, name, "must be 1 to 100 letters, digits, '-' and '_', starting with a letter or digit, as EKS requires", 'use a name such as "flink-prod".');
  }
}

function checkKubernetesVersion(version: string, problems: Problems): void {
  if (Token.isUnresolved(version)) return;
  if (!/^1\.\d{2}$/.test(version)) {
    problems.error("kubernetesVersion", version, 'must be a Kubernetes minor version "1.NN" as EKS names them', 'use e.g. "1.33"; EKS picks the patch release.');
  }
}

function checkVpcAndSubnets(vpcId: string, subnetIds: string[], problems: Problems): void {
  if (!Token.isUnresolved(vpcId) && !/^vpc-[0-9a-f]{8}([0-9a-f]{9})?$/.test(vpcId)) {
    problems.error("vpcId", vpcId, "must be a VPC ID (vpc-0123456789abcdef0)");
  }
  // A list token's length is unknown until apply; EKS checks it then.
  if (Token.isUnresolved(subnetIds)) return;
  if (subnetIds.length < 2) {
    problems.error("subnetIds", subnetIds, `must list at least 2 subnets, in different availability zones, not ${subnetIds.length}`, "EKS places control plane interfaces in two zones or more; add a private subnet of another zone.");
  }
  const seen = new Set<string>();
  subnetIds.forEach((subnetId, i) => {
    if (Token.isUnresolved(subnetId)) return;
    if (!/^subnet-[0-9a-f]{8}([0-9a-f]{9})?$/.test(subnetId)) problems.error(`subnetIds[${i}]`, subnetId, "must be a subnet ID (subnet-0123456789abcdef0)");
    if (seen.has(subnetId)) problems.error(`subnetIds[${i}]`, subnetId, "repeats an earlier subnet", "list each subnet once.");
    seen.add(subnetId);
  });
}

interface ResolvedEndpointAccess {
  readonly private: boolean;
  readonly public: boolean;
  readonly publicCidrs: readonly string[];
}

function checkEndpointAccess(access: FlinkEksEndpointAccess | undefined, problems: Problems): ResolvedEndpointAccess {
  const resolved = { private: access?.private ?? true, public: access?.public ?? false, publicCidrs: access?.publicCidrs ?? [] };
  if (!resolved.private && !resolved.public) {
    problems.error("endpointAccess", access, "must enable the private or the public endpoint, or both", "leave endpointAccess.private at its default, true.");
  }
  if (!resolved.public) {
    if (resolved.publicCidrs.length > 0) {
      problems.error("endpointAccess.publicCidrs", resolved.publicCidrs, "only apply to the public endpoint, which is off", "set endpointAccess.public: true, or remove publicCidrs.");
    }
    return resolved;
  }
  if (!Token.isUnresolved(resolved.publicCidrs) && resolved.publicCidrs.length === 0) {
    problems.error(
      "endpointAccess.publicCidrs",
      access?.publicCidrs,
      "must list the CIDR blocks allowed to reach the public endpoint",
      'list your CI runners\' and offices\' addresses, or ["0.0.0.0/0"] to open the API server to the whole internet.',
    );
  }
  resolved.publicCidrs.forEach((cidr, i) => {
    if (Token.isUnresolved(cidr)) return;
    if (!isIpv4Cidr(cidr)) problems.error(`endpointAccess.publicCidrs[${i}]`, cidr, "must be an IPv4 CIDR block such as 203.0.113.0/24");
    if (cidr === "0.0.0.0/0") {
      problems.warn(
        "flink:eks-public-endpoint",
        "the Kubernetes API server is reachable from the whole internet (endpointAccess.publicCidrs contains 0.0.0.0/0); only IAM authentication stands in the way. List the addresses that need it instead.",
      );
    }
  });
  return resolved;
}

function checkSecretsKey(keyArn: string | undefined, problems: Problems): void {
  if (keyArn === undefined || Token.isUnresolved(keyArn)) return;
  if (!isKmsKeyArn(keyArn)) {
    problems.error(
      "secretsKmsKeyArn",
      keyArn,
      "must be a KMS key ARN (arn:aws:kms:<region>:<account>:key/<key id>)",
      "pass the key's ARN, not an alias or a key ID: the cluster role is granted use of the key by its ARN.",
    );
  }
}

function checkLogTypes(logTypes: readonly EksControlPlaneLogType[] | undefined, problems: Problems): readonly EksControlPlaneLogType[] {
  if (logTypes === undefined) return ALL_LOG_TYPES;
  const seen = new Set<string>();
  logTypes.forEach((logType, i) => {
    if (!ALL_LOG_TYPES.includes(logType)) {
      problems.error(`controlPlaneLogTypes[${i}]`, logType, `must be one of ${ALL_LOG_TYPES.join(", ")}`);
    } else if (seen.has(logType)) {
      problems.error(`controlPlaneLogTypes[${i}]`, logType, "repeats an earlier log type", "list each log type once.");
    }
    seen.add(logType);
  });
  return logTypes;
}

function checkNodeGroups(groups: readonly FlinkEksNodeGroupProps[], problems: Problems): void {
  if (groups.length === 0) {
    problems.error("nodeGroups", groups, "must hold at least one node group", 'add e.g. { name: "flink", instanceTypes: ["m7i.2xlarge"], desired: 2, min: 2, max: 4 }.');
  }
  const names = new Map<string, number>();
  groups.forEach((group, i) => {
    const at = (property: string) => `nodeGroups[${i}].${property}`;
    if (Token.isUnresolved(group.name)) {
      // It names the group's resources in the construct tree, which must be known at synth.
      problems.error(at("name"), group.name, "must be known at synth time, not a token");
    } else if (group.name.length > 63 || !EKS_NAME.test(group.name)) {
      problems.error(at("name"), group.name, "must be 1 to 63 letters, digits, '-' and '_', starting with a letter or digit, as EKS requires");
    }
    const first = names.get(group.name);
    if (first !== undefined) problems.error(at("name"), group.name, `repeats nodeGroups[${first}].name`, "give each node group its own name.");
    else names.set(group.name, i);

    checkCounts(group, at, problems);
    const diskSize = group.diskSize;
    if (diskSize !== undefined && !Token.isUnresolved(diskSize) && !(Number.isInteger(diskSize) && diskSize >= MIN_DISK_GIB && diskSize <= MAX_DISK_GIB)) {
      problems.error(at("diskSize"), diskSize, `must be a whole number of GiB from ${MIN_DISK_GIB} (the AMI's own size) to ${MAX_DISK_GIB}`);
    }
    const amiType = group.amiType ?? "AL2023_x86_64_STANDARD";
    if (!AMI_TYPES.includes(amiType)) problems.error(at("amiType"), amiType, `must be one of ${AMI_TYPES.join(", ")}`);
    checkInstanceTypes(group.instanceTypes, amiType, at, problems);

    for (const [key, value] of Object.entries(group.labels ?? {})) {
      checkLabelKey(at(`labels[${JSON.stringify(key)}]`), key, problems);
      checkLabelValue(at(`labels[${JSON.stringify(key)}]`), value, problems);
    }
    const taints = group.taints ?? [];
    if (taints.length > 50) problems.error(at("taints"), taints.length, "must hold at most 50 taints, EKS's limit");
    taints.forEach((taint, j) => {
      checkLabelKey(at(`taints[${j}].key`), taint.key, problems);
      if (taint.value !== undefined) checkLabelValue(at(`taints[${j}].value`), taint.value, problems);
      if (!TAINT_EFFECTS.includes(taint.effect)) problems.error(at(`taints[${j}].effect`), taint.effect, `must be one of ${TAINT_EFFECTS.join(", ")}`);
    });
  });
}

function checkCounts(group: FlinkEksNodeGroupProps, at: (property: string) => string, problems: Problems): void {
  const { desired, min, max } = group;
  const counts = { desired, min, max };
  let allValid = true;
  for (const [property, count] of Object.entries(counts)) {
    if (Token.isUnresolved(count)) {
      allValid = false;
    } else if (!Number.isInteger(count) || count < 0) {
      problems.error(at(property), count, "must be a whole number >= 0");
      allValid = false;
    }
  }
  if (!allValid) return;
  if (max < 1) problems.error(at("max"), max, "must be >= 1, as EKS requires");
  if (min > max) problems.error(at("min"), min, `must be <= max (${max})`);
  else if (desired < min || desired > max) problems.error(at("desired"), desired, `must lie between min (${min}) and max (${max})`);
}

/** Graviton families carry a 'g' right after the generation: m7g, c6gn, r8gd, t4g, im4gn; and a1. */
function isArmInstanceType(instanceType: string): boolean {
  const family = instanceType.split(".")[0];
  return family === "a1" || /^[a-z]+\d+g/.test(family);
}

function checkInstanceTypes(instanceTypes: readonly string[], amiType: EksAmiType, at: (property: string) => string, problems: Problems): void {
  if (Token.isUnresolved(instanceTypes)) return;
  if (instanceTypes.length === 0) {
    problems.error(at("instanceTypes"), instanceTypes, "must name at least one instance type", 'add e.g. "m7i.2xlarge".');
  }
  const armAmi = amiType === "AL2023_ARM_64_STANDARD";
  const seen = new Set<string>();
  instanceTypes.forEach((instanceType, j) => {
    if (Token.isUnresolved(instanceType)) return;
    const property = at(`instanceTypes[${j}]`);
    if (!/^[a-z][a-z0-9-]*\.[a-z0-9]+$/.test(instanceType)) {
      problems.error(property, instanceType, "must be an EC2 instance type such as m7i.2xlarge");
      return;
    }
    if (seen.has(instanceType)) problems.error(property, instanceType, "repeats an earlier instance type", "list each type once.");
    seen.add(instanceType);
    if (isArmInstanceType(instanceType) !== armAmi) {
      problems.error(
        property,
        instanceType,
        `is an ${armAmi ? "x86_64" : "arm64 (Graviton)"} type, but the node group's amiType is ${amiType}`,
        armAmi ? "use Graviton types (m7g, c7g, r7g, ...) or amiType AL2023_x86_64_STANDARD." : 'set amiType: "AL2023_ARM_64_STANDARD", or use x86_64 types.',
      );
    }
  });
}

function checkAccessEntries(entries: readonly FlinkEksAccessEntry[], problems: Problems): void {
  const principals = new Map<string, number>();
  entries.forEach((entry, i) => {
    const property = `accessEntries[${i}].principalArn`;
    const arn = entry.principalArn;
    if (!Token.isUnresolved(arn)) {
      if (!/^arn:[\w-]+:iam::\d{12}:(role|user)\/.+$/.test(arn)) {
        problems.error(property, arn, "must be the ARN of an IAM role or user (arn:aws:iam::<account>:role/<name>)", "for an assumed-role session, use its role's ARN.");
      }
      const first = principals.get(arn);
      if (first !== undefined) problems.error(property, arn, `repeats accessEntries[${first}].principalArn`, "EKS holds one access entry per principal: merge their policies.");
      else principals.set(arn, i);
    }
    (entry.policies ?? []).forEach((grant, j) => {
      const at = `accessEntries[${i}].policies[${j}]`;
      if (!Token.isUnresolved(grant.policy) && !/^(arn:[\w-]+:eks::aws:cluster-access-policy\/)?AmazonEKS\w+$/.test(grant.policy)) {
        problems.error(`${at}.policy`, grant.policy, "must be an EKS access policy name such as AmazonEKSClusterAdminPolicy or AmazonEKSViewPolicy, or its ARN");
      }
      if (grant.namespaces !== undefined && grant.namespaces.length === 0) {
        problems.error(`${at}.namespaces`, grant.namespaces, "must name at least one namespace", "leave namespaces out to grant the policy cluster-wide.");
      }
      // EKS accepts a trailing wildcard ("flink-*"); only plain names are checked.
      grant.namespaces?.forEach((namespace, k) => {
        if (!namespace.endsWith("*")) checkDnsLabel(`${at}.namespaces[${k}]`, namespace, problems);
      });
    });
  });
}
