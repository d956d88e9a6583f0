import { gzipSync } from "zlib";
import { AutoscalingGroup } from "@cdktf/provider-aws/lib/autoscaling-group";
import { IamInstanceProfile } from "@cdktf/provider-aws/lib/iam-instance-profile";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { IamRolePolicyAttachment } from "@cdktf/provider-aws/lib/iam-role-policy-attachment";
import { Instance } from "@cdktf/provider-aws/lib/instance";
import { LaunchTemplate } from "@cdktf/provider-aws/lib/launch-template";
import { NetworkInterface } from "@cdktf/provider-aws/lib/network-interface";
import { Route53Record } from "@cdktf/provider-aws/lib/route53-record";
import { Route53Zone } from "@cdktf/provider-aws/lib/route53-zone";
import { SecurityGroup } from "@cdktf/provider-aws/lib/security-group";
import { VpcSecurityGroupEgressRule } from "@cdktf/provider-aws/lib/vpc-security-group-egress-rule";
import { VpcSecurityGroupIngressRule } from "@cdktf/provider-aws/lib/vpc-security-group-ingress-rule";
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { Annotations, Fn, TerraformLocal, Token } from "cdktf";
import { Construct } from "constructs";
import { iamPolicyDocument } from "../../private/iam";
import { escapeTerraformTemplate } from "../../private/terraform-text";
import { DeployableCluster } from "../target";
import { addClusterOutputs, restOutputs, metricsSources, requiredPlugins, secretStores } from "../flink-process";
import { AutoscalingPolicy } from "@cdktf/provider-aws/lib/autoscaling-policy";
import { taskManagerScalingPolicy } from "./ec2-autoscaling";
import { FlinkRole, LOG_DIR, USER_DATA_LIMIT, renderUserData } from "./cloud-init";
import { eventStartRegex, readRenderedLogging } from "../../config/render";
import { Ec2AccessProps, Ec2Target } from "./ec2-target";
import { RestLoadBalancer } from "./rest-load-balancer";

export interface FlinkEc2DeploymentProps {
  readonly target: Ec2Target;
  readonly cluster: DeployableCluster;
}

/** [from, to] of a rendered port: a number or a "low-high" range. */
function portRange(port: number | string): [number, number] {
  if (typeof port === "number") return [port, port];
  const [low, high] = port.split("-").map(Number);
  return [low, high];
}

/** How REST speaks: plain http, https, or https that wants a client certificate. */
function restTls(cluster: DeployableCluster): "none" | "https" | "mutual" {
  const tls = secretStores(cluster);
  return tls?.restMutual ? "mutual" : tls?.restHttps ? "https" : "none";
}

/** The tag that names an instance's Flink role (jobmanager or taskmanager). */
export const COMPONENT_TAG = "flink:component";

/** What the Terraform references in a user data (bucket name, ARNs, DNS names) may add once filled in. */
const USER_DATA_REFERENCE_MARGIN = 1024;

/** The managed policies a node needs beside the storage grants: SSM access and the CloudWatch agent. */
const MANAGED_POLICIES = ["AmazonSSMManagedInstanceCore", "CloudWatchAgentServerPolicy"];

/**
 * The AWS resources of one standalone cluster: security groups that open exactly Flink's ports
 * between the roles that use them, one instance role, a JobManager with a stable private DNS name,
 * and TaskManagers in an Auto Scaling group.
 */
export class FlinkEc2Deployment extends Construct {
  public readonly jobManagerSecurityGroup: SecurityGroup;
  public readonly taskManagerSecurityGroup: SecurityGroup;
  public readonly role: IamRole;
  public readonly instanceProfile: IamInstanceProfile;
  public readonly zone: Route53Zone;
  /** One JobManager: an instance on a network interface that keeps its address. */
  public readonly jobManagerInterface?: NetworkInterface;
  public readonly jobManager?: Instance;
  /** Several JobManagers (HA): an Auto Scaling group behind an internal load balancer. */
  public readonly jobManagerLaunchTemplate?: LaunchTemplate;
  public readonly jobManagers?: AutoscalingGroup;
  public readonly restLoadBalancer?: RestLoadBalancer;
  public readonly taskManagerLaunchTemplate: LaunchTemplate;
  public readonly taskManagers: AutoscalingGroup;
  /** Target tracking on the TaskManagers' group, with `taskManagers.autoscaling`. */
  public readonly taskManagerScaling?: AutoscalingPolicy;
  public readonly logGroup: CloudwatchLogGroup;
  private readonly ruleTags: Readonly<Record<string, string>>;
  /** The user data of each role, as the instances receive it. */
  public readonly userData: Readonly<Record<FlinkRole, string>>;

  constructor(scope: Construct, id: string, props: FlinkEc2DeploymentProps) {
    super(scope, id);
    const { target, cluster } = props;
    const p = target.props;
    const name = cluster.clusterName;
    const partition = p.partition ?? "aws";
    const tags = (suffix: string) => ({ Name: `${name}-${suffix}`, ...cluster.tags });
    this.ruleTags = tags("rule");
    // Prometheus' EC2 discovery tells JobManagers from TaskManagers by this tag.
    const componentTags = (role: FlinkRole) => ({ ...tags(role), [COMPONENT_TAG]: role });

    // Security groups: no inline rules, so each rule below is one resource that can be reviewed.
    this.jobManagerSecurityGroup = new SecurityGroup(this, "JobManagerSecurityGroup", {
      namePrefix: `${name}-jobmanager-`,
      description: `Flink ${name} JobManager`,
      vpcId: p.vpcId,
      tags: tags("jobmanager"),
      lifecycle: { createBeforeDestroy: true },
    });
    this.taskManagerSecurityGroup = new SecurityGroup(this, "TaskManagerSecurityGroup", {
      namePrefix: `${name}-taskmanager-`,
      description: `Flink ${name} TaskManagers`,
      vpcId: p.vpcId,
      tags: tags("taskmanager"),
      lifecycle: { createBeforeDestroy: true },
    });
    const severalJobManagers = target.jobManagerCount > 1;
    this.allowPorts(cluster, severalJobManagers);
    this.allowQuorum(cluster);
    this.zone = new Route53Zone(this, "Zone", { name: target.zoneName(cluster), vpc: [{ vpcId: p.vpcId }], comment: `Flink cluster ${name}`, tags: tags("zone") });
    if (severalJobManagers) {
      this.restLoadBalancer = new RestLoadBalancer(this, "Rest", {
        name,
        vpcId: p.vpcId,
        subnetIds: p.subnetIds,
        restPort: Number(cluster.ports.rest),
        jobManagerSecurityGroup: this.jobManagerSecurityGroup,
        zoneId: this.zone.zoneId,
        recordName: target.jobManagerAddress(cluster),
        tags: tags("rest"),
        ruleTags: this.ruleTags,
        restTls: restTls(cluster),
      });
    }
    // With a load balancer, users reach REST through it only.
    this.allowAccess("Rest", "Flink REST API and web UI", [this.restLoadBalancer?.securityGroup ?? this.jobManagerSecurityGroup], cluster.ports.rest, p.restAccess);
    for (const [i, port] of cluster.ports.metrics.entries()) {
      this.allowAccess(`Metrics${i}`, "Flink metrics", [this.jobManagerSecurityGroup, this.taskManagerSecurityGroup], port, metricsSources(cluster, p.metricsAccess));
    }

    // One role for both roles' instances: storage grants, SSM and the CloudWatch agent, nothing else.
    this.role = new IamRole(this, "Role", {
      namePrefix: `${name}-flink-`,
      assumeRolePolicy: iamPolicyDocument([{ sid: "Ec2AssumeRole", actions: ["sts:AssumeRole"], principals: { Service: "ec2.amazonaws.com" } }]),
      tags: tags("role"),
    });
    const statements = cluster.contributions.flatMap((c) => c.iamStatements ?? []);
    if (statements.length > 0) {
      new IamRolePolicy(this, "StatePolicy", { role: this.role.id, name: "flink-cluster", policy: iamPolicyDocument(statements) });
    }
    MANAGED_POLICIES.forEach((policy) => {
      new IamRolePolicyAttachment(this, policy, { role: this.role.name, policyArn: `arn:${partition}:iam::aws:policy/${policy}` });
    });
    this.instanceProfile = new IamInstanceProfile(this, "InstanceProfile", { namePrefix: `${name}-flink-`, role: this.role.name, tags: tags("profile") });


    // Flink's log files go to CloudWatch Logs through the agent the role's CloudWatch policy is for.
    // Named after the stack too: two stacks with a cluster of one name in one account and region must not collide.
    const logGroupName = target.logGroupName(cluster);
    this.logGroup = new CloudwatchLogGroup(this, "Logs", { name: logGroupName, retentionInDays: p.logRetentionDays ?? 30, tags: tags("logs") });
    this.warnAboutLogShipping(cluster, logGroupName);
    const plugins = requiredPlugins(cluster);
    const tls = secretStores(cluster);
    const localDir = cluster.configuration.entries.get("state.backend.rocksdb.localdir");
    const setup = (role: FlinkRole) =>
      renderUserData({
        role,
        runtime: p.runtime,
        files: cluster.flinkFiles,
        plugins,
        localDirs: typeof localDir === "string" ? [localDir] : [],
        logGroupName,
        announceOwnAddress: role === "jobmanager" && severalJobManagers,
        tls,
      });
    this.userData = { jobmanager: setup("jobmanager"), taskmanager: setup("taskmanager") };
    for (const role of ["jobmanager", "taskmanager"] as const) {
      // EC2 limits the bytes it is given, here gzip's; references Terraform fills in may grow it by a little.
      const size = gzipSync(this.userData[role], { level: 9 }).length + USER_DATA_REFERENCE_MARGIN;
      if (size > USER_DATA_LIMIT) {
        throw new Error(
          `FlinkCluster "${cluster.node.path}": the ${role} user data is about ${size} bytes gzipped, more than EC2's limit of ${USER_DATA_LIMIT}. Fix: move large settings (long rawConfig values, logger lists) out of the configuration.`,
        );
      }
    }
    // A local holds each user data as a Terraform template, so that references inside it are filled in;
    // gzipped (cloud-init unpacks it), as a TLS, HA and monitored cluster's files come near EC2's 16 KiB.
    const userDataBase64 = (role: FlinkRole) =>
      Fn.base64gzip(new TerraformLocal(this, `${role}_user_data`, escapeTerraformTemplate(this.userData[role])).asString);
    const metadataOptions = { httpTokens: "required", httpEndpoint: "enabled", httpPutResponseHopLimit: 1 };
    const rootVolume = { volumeSize: p.rootVolumeSize ?? 30, volumeType: "gp3", encrypted: true, kmsKeyId: p.ebsKmsKeyArn, deleteOnTermination: true };

    const launchTemplate = (role: FlinkRole, instanceType: string, group: SecurityGroup) =>
      new LaunchTemplate(this, role === "jobmanager" ? "JobManagerLaunchTemplate" : "TaskManagerLaunchTemplate", {
        namePrefix: `${name}-${role}-`,
        imageId: p.amiId,
        instanceType,
        keyName: p.keyPairName,
        iamInstanceProfile: { arn: this.instanceProfile.arn },
        vpcSecurityGroupIds: [group.id],
        userData: userDataBase64(role),
        metadataOptions,
        monitoring: { enabled: true },
        blockDeviceMappings: [{ deviceName: "/dev/xvda", ebs: { ...rootVolume, encrypted: "true", deleteOnTermination: "true" } }],
        tagSpecifications: ["instance", "volume", "network-interface"].map((resourceType) => ({ resourceType, tags: componentTags(role) })),
        tags: tags(role),
        updateDefaultVersion: true,
      });
    const autoScalingGroup = (id: string, role: FlinkRole, template: LaunchTemplate, sizes: { desired: number; min: number; max: number }, targetGroupArns?: string[]) =>
      new AutoscalingGroup(this, id, {
        namePrefix: `${name}-${role}s-`,
        vpcZoneIdentifier: [...p.subnetIds],
        desiredCapacity: sizes.desired,
        minSize: sizes.min,
        maxSize: sizes.max,
        launchTemplate: { id: template.id, version: Token.asString(template.latestVersion) },
        // A new launch template version (a changed configuration) rolls the instances, half at a time:
        // with several JobManagers under HA one always leads, and jobs survive.
        instanceRefresh: { strategy: "Rolling", preferences: { minHealthyPercentage: 50 } },
        // EC2 health, not the load balancer's: a JobManager's REST API answers 503 while it knows no leader
        // (a failover, a ZooKeeper outage), which must not get it terminated.
        healthCheckType: "EC2",
        targetGroupArns,
        tag: Object.entries(componentTags(role)).map(([key, value]) => ({ key, value, propagateAtLaunch: true })),
      });

    if (severalJobManagers) {
      const count = target.jobManagerCount;
      this.jobManagerLaunchTemplate = launchTemplate("jobmanager", p.jobManager.instanceType, this.jobManagerSecurityGroup);
      this.jobManagers = autoScalingGroup("JobManagers", "jobmanager", this.jobManagerLaunchTemplate, { desired: count, min: count, max: count }, [this.restLoadBalancer!.targetGroup.arn]);
    } else {
      // The JobManager's address: a private DNS name on a network interface that outlives the instance.
      this.jobManagerInterface = new NetworkInterface(this, "JobManagerInterface", {
        subnetId: p.subnetIds[0],
        securityGroups: [this.jobManagerSecurityGroup.id],
        description: `Flink ${name} JobManager`,
        tags: tags("jobmanager"),
      });
      new Route53Record(this, "JobManagerRecord", {
        zoneId: this.zone.zoneId,
        name: target.jobManagerAddress(cluster),
        type: "A",
        ttl: 60,
        records: [this.jobManagerInterface.privateIp],
      });
      this.jobManager = new Instance(this, "JobManager", {
        ami: p.amiId,
        instanceType: p.jobManager.instanceType,
        iamInstanceProfile: this.instanceProfile.name,
        keyName: p.keyPairName,
        networkInterface: [{ networkInterfaceId: this.jobManagerInterface.id, deviceIndex: 0 }],
        userDataBase64: userDataBase64("jobmanager"),
        // A changed configuration means a new instance; the address stays with the interface.
        userDataReplaceOnChange: true,
        metadataOptions,
        rootBlockDevice: rootVolume,
        monitoring: true,
        tags: componentTags("jobmanager"),
        volumeTags: tags("jobmanager"),
      });
    }

    this.taskManagerLaunchTemplate = launchTemplate("taskmanager", p.taskManagers.instanceType, this.taskManagerSecurityGroup);
    this.taskManagers = autoScalingGroup("TaskManagers", "taskmanager", this.taskManagerLaunchTemplate, target.taskManagerCounts);
    if (p.taskManagers.autoscaling) this.taskManagerScaling = taskManagerScalingPolicy(this, name, this.taskManagers, p.taskManagers.autoscaling);

    this.outputs(cluster, target);
  }

  /**
   * The agent reads Flink's log files, but Flink in the foreground (systemd) logs to the console
   * (journald) and writes a file only with logging.rollingFile. A warning rather than a file added
   * here: the node's log4j-console.properties stays byte for byte the file beside the Terraform, and a
   * cluster that collects journald its own way is not refused.
   */
  private warnAboutLogShipping(cluster: DeployableCluster, logGroupName: string): void {
    const logging = readRenderedLogging(cluster.flinkFiles["log4j-console.properties"] ?? "");
    if (!logging.rollingFile) {
      Annotations.of(cluster).addWarning(
        `[flink:ec2-no-log-file] logging.rollingFile is not set, so Flink logs only to journald on the nodes and the CloudWatch agent ships nothing to ${logGroupName}. Set logging: Logging.seedRollingFile() (or rollingFile: {...}) to write ${LOG_DIR}/*.log.`,
      );
    } else if (logging.format === "pattern" && eventStartRegex(logging.pattern) === undefined) {
      Annotations.of(cluster).addWarning(
        `[flink:cloudwatch-multiline] logging.pattern does not start with a date (%d{...}), so CloudWatch cannot tell where an event starts: each line of a stack trace becomes an event of its own. Start the pattern with %d, or set logging.format: "json".`,
      );
    }
  }

  /** Flink's own traffic: TaskManagers register with the JobManager and fetch blobs; the JobManager calls TaskManagers; TaskManagers shuffle data. */
  private allowPorts(cluster: DeployableCluster, severalJobManagers: boolean): void {
    const jm = this.jobManagerSecurityGroup;
    const tm = this.taskManagerSecurityGroup;
    const { ports } = cluster;
    const flows: Array<[string, string, SecurityGroup, SecurityGroup, number | string]> = [
      ["TmToJmRpc", "TaskManager to JobManager RPC", tm, jm, ports.jobManagerRpc],
      ["TmToJmBlob", "TaskManager to JobManager blob server", tm, jm, ports.blobServer],
      ["JmToTmRpc", "JobManager to TaskManager RPC", jm, tm, ports.taskManagerRpc],
      ["JmToTmMetricQuery", "JobManager to TaskManager metric query service (web UI metrics)", jm, tm, ports.metricQueryService],
      ["TmToTmData", "TaskManager to TaskManager data exchange", tm, tm, ports.taskManagerData],
      // A standby JobManager's REST API calls the leader, and jobs submitted through it upload their blobs there.
      ...(severalJobManagers
        ? ([
            ["JmToJmRpc", "JobManager to leading JobManager RPC", jm, jm, ports.jobManagerRpc],
            ["JmToJmBlob", "JobManager to leading JobManager blob server", jm, jm, ports.blobServer],
            ["JmToJmMetricQuery", "JobManager to leading JobManager metric query service (web UI metrics)", jm, jm, ports.metricQueryService],
          ] as Array<[string, string, SecurityGroup, SecurityGroup, number | string]>)
        : []),
    ];
    for (const [id, description, from, to, port] of flows) {
      const [fromPort, toPort] = portRange(port);
      new VpcSecurityGroupIngressRule(this, `${id}Ingress`, { securityGroupId: to.id, referencedSecurityGroupId: from.id, ipProtocol: "tcp", fromPort, toPort, description, tags: this.ruleTags });
      new VpcSecurityGroupEgressRule(this, `${id}Egress`, { securityGroupId: from.id, referencedSecurityGroupId: to.id, ipProtocol: "tcp", fromPort, toPort, description, tags: this.ruleTags });
    }
    // Downloads, container images, S3, SSM and CloudWatch all speak https; nothing else leaves the nodes.
    for (const [id, group] of [["JobManager", jm], ["TaskManager", tm]] as const) {
      new VpcSecurityGroupEgressRule(this, `${id}HttpsEgress`, { securityGroupId: group.id, cidrIpv4: "0.0.0.0/0", ipProtocol: "tcp", fromPort: 443, toPort: 443, description: "https: S3, SSM, CloudWatch, downloads", tags: this.ruleTags });
    }
  }

  /** Both roles talk to ZooKeeper: the JobManagers to lead, the TaskManagers to find the leader. */
  private allowQuorum(cluster: DeployableCluster): void {
    const quorum = cluster.contributions.find((c) => c.highAvailability?.quorum)?.highAvailability?.quorum;
    if (!quorum) return;
    const port = quorum.clientPort;
    const description = `ZooKeeper client port of ${quorum.description}`.slice(0, 255);
    for (const [role, group] of [["Jm", this.jobManagerSecurityGroup], ["Tm", this.taskManagerSecurityGroup]] as const) {
      if (quorum.securityGroupId) {
        new VpcSecurityGroupEgressRule(this, `${role}ToZooKeeper`, { securityGroupId: group.id, referencedSecurityGroupId: quorum.securityGroupId, ipProtocol: "tcp", fromPort: port, toPort: port, description, tags: this.ruleTags });
        new VpcSecurityGroupIngressRule(this, `ZooKeeperFrom${role}`, { securityGroupId: quorum.securityGroupId, referencedSecurityGroupId: group.id, ipProtocol: "tcp", fromPort: port, toPort: port, description: `Flink ${cluster.clusterName} to ZooKeeper`, tags: this.ruleTags });
      }
      (quorum.cidrs ?? []).forEach((cidr, i) => {
        new VpcSecurityGroupEgressRule(this, `${role}ToZooKeeperCidr${i}`, { securityGroupId: group.id, cidrIpv4: cidr, ipProtocol: "tcp", fromPort: port, toPort: port, description, tags: this.ruleTags });
      });
    }
  }

  private allowAccess(id: string, description: string, groups: SecurityGroup[], port: number | string, access: Ec2AccessProps | undefined): void {
    const [fromPort, toPort] = portRange(port);
    for (const group of groups) {
      const role = group === this.jobManagerSecurityGroup ? "Jm" : group === this.taskManagerSecurityGroup ? "Tm" : "Lb";
      (access?.cidrs ?? []).forEach((cidr, i) => {
        new VpcSecurityGroupIngressRule(this, `${id}${role}Cidr${i}`, { securityGroupId: group.id, cidrIpv4: cidr, ipProtocol: "tcp", fromPort, toPort, description, tags: this.ruleTags });
      });
      (access?.securityGroupIds ?? []).forEach((source, i) => {
        new VpcSecurityGroupIngressRule(this, `${id}${role}Group${i}`, { securityGroupId: group.id, referencedSecurityGroupId: source, ipProtocol: "tcp", fromPort, toPort, description, tags: this.ruleTags });
      });
    }
  }

  private outputs(cluster: DeployableCluster, target: Ec2Target): void {
    const address = target.jobManagerAddress(cluster);
    const rest = `${address}:${cluster.ports.rest}`;
    addClusterOutputs(this, cluster, restOutputs(cluster, { jobManagerAddress: address, rest, restUrl: `${restTls(cluster) === "none" ? "http" : "https"}://${rest}`, session: true }), {
      runtime: target.props.runtime.description,
      // A replaced instance, or a new launch template version (the group's instance refresh), restarts the processes.
      jobManager: this.jobManager ? [this.jobManager] : [this.jobManagerLaunchTemplate!, this.jobManagers!],
      taskManagers: [this.taskManagerLaunchTemplate, this.taskManagers],
    });
  }
}
