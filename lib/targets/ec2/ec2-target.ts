import { Annotations, TerraformStack, Token } from "cdktf";
import { ClusterContribution, ClusterInfo, PlatformInfo } from "../../cluster-feature";
import { Problems } from "../../config/problems";
import { isIpv4Cidr, publicCidrs } from "../../private/validate";
import { formatMemorySize } from "../../config/units";
import { checkFlinkImage, checkStateDirectories } from "../flink-process";
import { checkReactiveMode, checkUtilization, warnAboutAutoscaling, wholeSeconds } from "../elastic";
import { DeployableCluster, IFlinkTarget, TargetPractices } from "../target";
import { FlinkEc2Deployment } from "./ec2-deployment";
import { instanceTypeInfo, reservedForSystem } from "./instance-types";
import { FlinkRuntime } from "./runtime";

/** Who may reach a port: CIDR blocks and/or security groups. */
export interface Ec2AccessProps {
  /** IPv4 CIDR blocks. 0.0.0.0/0 needs `allowPublicRestAccess`. @default - none */
  readonly cidrs?: readonly string[];
  /** Security group ids. @default - none */
  readonly securityGroupIds?: readonly string[];
}

export interface Ec2TargetProps {
  /** The VPC the cluster runs in (DNS support and DNS hostnames enabled, for the JobManager's private DNS name). */
  readonly vpcId: string;
  /** Private subnets: the JobManager runs in the first, TaskManagers spread over all. */
  readonly subnetIds: readonly string[];
  /** An Amazon Linux 2023 AMI (x86_64 or arm64, matching the instance types). */
  readonly amiId: string;
  readonly jobManager: {
    readonly instanceType: string;
    /**
     * How many JobManagers: more than one needs `ha` on the cluster. Several JobManagers run in an Auto
     * Scaling group over the subnets, behind an internal Network Load Balancer that gives users one
     * REST address (`rest.<dnsZoneName>`); TaskManagers find the leader through HA.
     * @default 1
     */
    readonly count?: number;
  };
  readonly taskManagers: {
    readonly instanceType: string;
    /** @default 1 */
    readonly desired?: number;
    /** @default desired */
    readonly min?: number;
    /** @default desired */
    readonly max?: number;
    /**
     * Target tracking on the group's average CPU, between min and max: the group then owns its desired
     * capacity (Terraform ignores changes to it after creation). @default - none: the group stays at desired
     */
    readonly autoscaling?: Ec2TaskManagerAutoscaling;
  };
  /** How Flink is installed: `FlinkRuntime.tarball({...})` or `FlinkRuntime.containerImage({...})`. */
  readonly runtime: FlinkRuntime;
  /** An EC2 key pair for SSH. @default - none: operators use SSM Session Manager */
  readonly keyPairName?: string;
  /** Who may reach the REST API and web UI. @default - nobody: use SSM port forwarding */
  readonly restAccess?: Ec2AccessProps;
  /** Who may scrape the metrics reporters' ports (Prometheus). @default - nobody */
  readonly metricsAccess?: Ec2AccessProps;
  /** Allow REST access from 0.0.0.0/0. The REST API can run any code: opt in knowingly. @default false */
  readonly allowPublicRestAccess?: boolean;
  /** Root volume size in GiB (encrypted gp3). @default 30 */
  readonly rootVolumeSize?: number;
  /** A KMS key for the EBS volumes. @default - the account's default EBS key */
  readonly ebsKmsKeyArn?: string;
  /** The private DNS zone that names the JobManager. @default "<clusterName>.flink.internal" */
  readonly dnsZoneName?: string;
  /**
   * The CloudWatch Logs group Flink's log files are shipped to; unique per account and region.
   * @default "/flink/<stack id>/<clusterName>"
   */
  readonly logGroupName?: string;
  /** Days CloudWatch Logs keeps Flink's log files. @default 30 */
  readonly logRetentionDays?: number;
  /** The AWS partition of ARNs. @default "aws" */
  readonly partition?: string;
}

/** A target-tracking scaling policy on the TaskManagers' Auto Scaling group (`aws_autoscaling_policy`). */
export interface Ec2TaskManagerAutoscaling {
  /** The group's average CPU utilization to hold, in percent (above 0, at most 100). */
  readonly targetCpuUtilization: number;
  /**
   * How long a new instance takes to install Flink, start and register its slots: its CPU does not count
   * before (the policy's estimated instance warmup). Target tracking has no cooldown of its own. @default "5 min"
   */
  readonly instanceWarmup?: string;
  /** Only scale out; scale in by lowering the desired capacity yourself. @default false */
  readonly disableScaleIn?: boolean;
}

const PUBLIC_CIDR = "0.0.0.0/0";

/** Runs a standalone Flink cluster on EC2: one JobManager instance and an Auto Scaling group of TaskManagers. */
export class Ec2Target implements IFlinkTarget {
  public readonly kind = "ec2";

  constructor(public readonly props: Ec2TargetProps) {}

  /** The TaskManager group's sizes; `max` defaults to `desired`, and to 1 for a cluster parked at 0. */
  public get taskManagerCounts(): { min: number; desired: number; max: number } {
    const t = this.props.taskManagers;
    const desired = t.desired ?? 1;
    return { min: t.min ?? desired, desired, max: t.max ?? Math.max(desired, 1) };
  }

  /** The CloudWatch Logs group: `logGroupName`, or one named after the stack and the cluster. */
  public logGroupName(cluster: DeployableCluster): string {
    return this.props.logGroupName ?? `/flink/${TerraformStack.of(cluster).node.id}/${cluster.clusterName}`;
  }

  /** How many JobManagers run. */
  public get jobManagerCount(): number {
    return this.props.jobManager.count ?? 1;
  }

  /** The JobManager's stable DNS name in the cluster's private zone: the load balancer's with several JobManagers. */
  public jobManagerAddress(cluster: ClusterInfo): string {
    return `${this.jobManagerCount > 1 ? "rest" : "jobmanager"}.${this.zoneName(cluster)}`;
  }

  public practices(): TargetPractices {
    const p = this.props;
    const vcpus = instanceTypeInfo(p.taskManagers.instanceType)?.vcpus;
    const runtime = p.runtime;
    return {
      taskManagerVcpus: vcpus === undefined ? undefined : { property: "target.taskManagers.instanceType", value: p.taskManagers.instanceType, vcpus },
      publicRest: publicCidrs("target.restAccess.cidrs", p.restAccess?.cidrs),
      images: runtime.kind === "container" ? [{ property: "target.runtime.image", value: runtime.options.image! }] : [],
    };
  }

  public platform(): PlatformInfo {
    return { kind: "ec2", jobManagers: this.jobManagerCount, taskManagers: this.taskManagerCounts.desired, mode: "session" };
  }

  public zoneName(cluster: ClusterInfo): string {
    return this.props.dnsZoneName ?? `${cluster.clusterName}.flink.internal`;
  }

  public contribute(cluster: ClusterInfo): ClusterContribution {
    // Several JobManagers each announce their own address (on their command line); TaskManagers ask HA for the leader's.
    return { property: "target", config: this.jobManagerCount > 1 ? {} : { "jobmanager.rpc.address": this.jobManagerAddress(cluster) } };
  }

  public deploy(cluster: DeployableCluster): void {
    this.validate(cluster);
    new FlinkEc2Deployment(cluster, "Ec2", { target: this, cluster });
  }

  private validate(cluster: DeployableCluster): void {
    const p = this.props;
    const problems = new Problems();
    const prop = (name: string) => `target.${name}`;
    if (!Token.isUnresolved(p.subnetIds) && p.subnetIds.length === 0) {
      problems.error(prop("subnetIds"), p.subnetIds, "must list at least one subnet", "give the private subnets the cluster runs in.");
    }
    // AWS resource ids, checked so that a swapped or mistyped id fails here rather than halfway through an apply.
    const ids: Array<[string, string | undefined, string]> = [
      [prop("vpcId"), p.vpcId, "vpc"],
      [prop("amiId"), p.amiId, "ami"],
      ...(Token.isUnresolved(p.subnetIds) ? [] : p.subnetIds.map((id, i): [string, string, string] => [prop(`subnetIds[${i}]`), id, "subnet"])),
      ...[p.restAccess, p.metricsAccess].flatMap((access, a) =>
        (access?.securityGroupIds ?? []).map((id, i): [string, string, string] => [prop(`${a === 0 ? "restAccess" : "metricsAccess"}.securityGroupIds[${i}]`), id, "sg"]),
      ),
    ];
    for (const [property, id, kind] of ids) {
      if (id !== undefined && !Token.isUnresolved(id) && !new RegExp(`^${kind}-[0-9a-f]{8}([0-9a-f]{9})?$`).test(id)) {
        problems.error(property, id, `must be an AWS ${kind} id such as ${kind}-0123456789abcdef0`, "pass the resource's id.");
      }
    }
    const counts = this.taskManagerCounts;
    const { min, desired, max } = counts;
    const tokens = [min, desired, max].some((n) => Token.isUnresolved(n));
    const broken = tokens ? [] : [
      [!(Number.isInteger(min) && Number.isInteger(desired) && Number.isInteger(max)), "must be whole numbers", "give whole numbers of instances"],
      [min < 0, "must have min >= 0", "set min to 0 or more"],
      [min > desired, `must have min <= desired (min ${min} > desired ${desired})`, `lower min to ${desired} or raise desired to ${min}`],
      [desired > max, `must have desired <= max (desired ${desired} > max ${max})`, `raise max to ${desired} or lower desired to ${max}`],
      [max < 1, "must have max >= 1", "allow at least one TaskManager (max: 1 or more)"],
    ] as const;
    for (const [failed, rule, fix] of broken) if (failed) problems.error(prop("taskManagers"), counts, rule, `${fix}.`);
    if (!tokens && !broken.some(([failed]) => failed) && desired === 0) {
      Annotations.of(cluster).addWarning("[flink:no-taskmanagers] target.taskManagers.desired is 0: the cluster is parked, jobs wait for slots. Raise desired to run jobs.");
    }
    this.validateAutoscaling(cluster, tokens, problems);
    checkReactiveMode(cluster, { target: "ec2", mode: "session" }, problems);
    const count = this.jobManagerCount;
    const ha = cluster.contributions.find((c) => c.highAvailability)?.highAvailability;
    if (!(Number.isInteger(count) && count >= 1 && count <= 5)) {
      problems.error(prop("jobManager.count"), count, "must be a whole number from 1 to 5", "run 1 JobManager, or 2-3 with ha.");
    } else if (count > 1 && !ha) {
      problems.error(prop("jobManager.count"), count, "is more than one JobManager without high availability: each would act as the only leader", "set the cluster's ha (new FlinkHA(...)), or run one JobManager.");
    }
    const logGroupName = this.logGroupName(cluster);
    if (!Token.isUnresolved(logGroupName) && !/^[\w\-./#]{1,512}$/.test(logGroupName)) {
      problems.error(prop("logGroupName"), logGroupName, "must be 1-512 letters, digits and _ - . / #", 'give a name such as "/flink/prod/orders" (the default is made of the stack id and the cluster name).');
    }
    if (p.rootVolumeSize !== undefined && !(Number.isInteger(p.rootVolumeSize) && p.rootVolumeSize >= 8)) {
      problems.error(prop("rootVolumeSize"), p.rootVolumeSize, "must be a whole number of GiB >= 8", "use 30 (the default) or more.");
    }
    checkStateDirectories(cluster, { property: "target.taskManagers.max", count: tokens ? 2 : max }, true, problems);
    this.validateRuntime(cluster, problems);
    this.validateAccess("restAccess", p.restAccess, problems, p.allowPublicRestAccess ?? false, cluster);
    this.validateAccess("metricsAccess", p.metricsAccess, problems, false, cluster);
    this.validateInstanceMemory(cluster, "jobManager", p.jobManager.instanceType, cluster.derivedMemory.jobManager?.totalProcess, problems);
    this.validateInstanceMemory(cluster, "taskManagers", p.taskManagers.instanceType, cluster.derivedMemory.taskManager?.totalProcess, problems);
    const slots = cluster.configuration.taskSlots;
    const tmType = instanceTypeInfo(p.taskManagers.instanceType);
    if (tmType && slots !== undefined && slots > tmType.vcpus) {
      Annotations.of(cluster).addWarning(
        `[flink:slots-exceed-vcpus] taskManager.slots is ${slots} but ${p.taskManagers.instanceType} has ${tmType.vcpus} vCPUs: slots will compete for CPU. Use fewer slots or a larger instance type.`,
      );
    }
    problems.throwIfErrors(`FlinkCluster "${cluster.node.path}":`);
  }

  /** The TaskManagers' target tracking: a target in (0, 100], a warmup in seconds, something to scale between min and max. */
  private validateAutoscaling(cluster: DeployableCluster, tokens: boolean, problems: Problems): void {
    const autoscaling = this.props.taskManagers.autoscaling;
    if (!autoscaling) return;
    const property = "target.taskManagers.autoscaling";
    checkUtilization(`${property}.targetCpuUtilization`, autoscaling.targetCpuUtilization, 100, problems);
    wholeSeconds(`${property}.instanceWarmup`, autoscaling.instanceWarmup, 86_400, problems);
    if (tokens) return;
    const { min, max } = this.taskManagerCounts;
    if (min >= max) {
      problems.error("target.taskManagers", { min, max }, `leaves ${property} nothing to scale: min ${min} is not below max ${max}`, `raise max above min (e.g. max: ${min + Math.max(1, min)}), or remove autoscaling.`);
      return;
    }
    if (min === 0) {
      Annotations.of(cluster).addWarning(
        `[flink:autoscaling-from-zero] target.taskManagers.min is 0 with ${property}: target tracking may scale an idle cluster in to no TaskManagers, and cannot scale it out again, since no instance reports CPU. Jobs then wait for slots until you raise the group's desired capacity yourself (aws autoscaling set-desired-capacity); or keep min at 1.`,
      );
    }
    warnAboutAutoscaling(cluster, { property, maxProperty: "target.taskManagers.max", max, mode: "session" });
  }

  private validateRuntime(cluster: DeployableCluster, problems: Problems): void {
    const { runtime } = this.props;
    const line = cluster.version.line;
    const known = (value: string | undefined) => value !== undefined && !Token.isUnresolved(value);
    if (runtime.kind === "tarball") {
      const o = runtime.options;
      if (known(o.release) && (!/^\d+\.\d+\.\d+$/.test(o.release!) || !o.release!.startsWith(`${line}.`))) {
        problems.error("target.runtime.release", o.release, `must be a full Flink ${line}.x release such as "${line}.0", matching the cluster's version`, "give the release you download.");
      }
      if (!Token.isUnresolved(o.sha512) && !/^[0-9a-f]{128}$/i.test(o.sha512 ?? "")) {
        problems.error("target.runtime.sha512", o.sha512, "must be the 128 hex digits of the tarball's SHA-512", "copy it from the .sha512 file published beside the tarball.");
      }
      if (known(o.url) && !/^https:\/\/\S+$/.test(o.url!)) {
        problems.error("target.runtime.url", o.url, "must be an https URL", "download Flink over https; nodes only allow outbound 443.");
      }
    } else {
      checkFlinkImage(cluster, "target.runtime.image", runtime.options.image!, problems);
    }
  }

  private validateAccess(name: string, access: Ec2AccessProps | undefined, problems: Problems, allowPublic: boolean, cluster: DeployableCluster): void {
    for (const cidr of access?.cidrs ?? []) {
      if (Token.isUnresolved(cidr)) continue;
      if (!isIpv4Cidr(cidr)) {
        problems.error(`target.${name}.cidrs`, cidr, "must be an IPv4 CIDR block such as 10.0.0.0/16", "fix the CIDR block.");
      } else if (cidr === PUBLIC_CIDR) {
        if (!allowPublic) {
          const fix = name === "restAccess" ? "narrow it to your network, or set allowPublicRestAccess: true to opt in knowingly." : "narrow it to your monitoring network.";
          problems.error(`target.${name}.cidrs`, cidr, "opens the port to the whole internet", fix);
        } else {
          Annotations.of(cluster).addWarning(`[flink:public-rest] target.restAccess opens the Flink REST API (which runs any submitted code) to ${cidr}.`);
        }
      }
    }
  }

  private validateInstanceMemory(cluster: DeployableCluster, role: "jobManager" | "taskManagers", instanceType: string, processBytes: number | undefined, problems: Problems): void {
    const info = instanceTypeInfo(instanceType);
    if (!info) {
      Annotations.of(cluster).addWarning(`[flink:unknown-instance-type] target.${role}.instanceType ${instanceType} is not in cdktf-flink's table, so Flink's memory is not checked against it.`);
      return;
    }
    if (processBytes === undefined) return;
    const available = info.memoryBytes - reservedForSystem(info.memoryBytes);
    if (BigInt(processBytes) > available) {
      const memoryProperty = role === "jobManager" ? "jobManager.memory" : "taskManager.memory";
      problems.error(
        `target.${role}.instanceType`,
        instanceType,
        `has ${formatMemorySize(info.memoryBytes)} of memory, ${formatMemorySize(available)} after the OS and agents, less than Flink's process size ${formatMemorySize(BigInt(processBytes))} (${memoryProperty})`,
        `use a larger instance type or a smaller ${memoryProperty}.process.`,
      );
    }
  }
}
