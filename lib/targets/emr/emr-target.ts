import { Annotations, Token } from "cdktf";
import { ClusterContribution, ClusterInfo, PlatformInfo } from "../../cluster-feature";
import { Problems } from "../../config/problems";
import { formatMemorySize } from "../../config/units";
import { ConfigValue } from "../../config/values";
import { FlinkVersion } from "../../config/version";
import { isKmsKeyArn, parseIpv4Cidr, publicCidrs } from "../../private/validate";
import { checkReactiveMode } from "../elastic";
import { checkStateDirectories } from "../flink-process";
import { DeployableCluster, IFlinkTarget, TargetPractices } from "../target";
import { legacyConfProblem, legacyConfValue } from "./classifications";
import { FlinkEmrDeployment } from "./emr-deployment";
import { EMR_RELEASES, baseFlink, emrRelease, nearestEmrReleases, ships } from "./emr-releases";
import { yarnNodeLimits } from "./yarn-limits";

/** A YARN session (jobs are submitted to it), or one job in YARN application mode. */
export class EmrMode {
  /** A detached YARN session started by an EMR step (`flink-yarn-session -d`). */
  public static session(): EmrMode {
    return new EmrMode("session", undefined);
  }

  /**
   * One job in YARN application mode, started by EMR steps: the jar is copied from S3 to the primary
   * node, then `flink run-application -t yarn-application` deploys it. To restore it, set the
   * cluster's `restore`.
   */
  public static application(job: EmrApplicationJob): EmrMode {
    return new EmrMode("application", job);
  }

  private constructor(
    public readonly kind: "session" | "application",
    public readonly job: EmrApplicationJob | undefined,
  ) {}
}

export interface EmrApplicationJob {
  /** The job jar on S3: "s3://bucket/jobs/orders-1.4.2.jar". The cluster's role is granted read access to it. */
  readonly jar: string;
  /** The job's main class, e.g. "com.example.OrdersJob". @default - the jar manifest's Main-Class */
  readonly entryClass?: string;
  /** Program arguments. @default - none */
  readonly args?: readonly string[];
}

/** An instance group: one instance type. */
export interface EmrInstanceGroup {
  readonly instanceType: string;
  /** Core nodes only. @default 2 */
  readonly count?: number;
  /** An encrypted gp3 EBS volume per node, in GiB: YARN's local directories and RocksDB. @default 64 */
  readonly ebsSizeGiB?: number;
}

/** An instance fleet: several instance types, on-demand and spot capacity. */
export interface EmrInstanceFleet {
  /** The candidate instance types; the YARN limits of the smallest are checked. */
  readonly instanceTypes: readonly string[];
  /** Core fleet only. @default 2 */
  readonly onDemandCapacity?: number;
  /** Core fleet only: spot TaskManagers lose their state when reclaimed. @default 0 */
  readonly spotCapacity?: number;
  /** @default 64 */
  readonly ebsSizeGiB?: number;
}

/** Who may reach a port: CIDR blocks and/or security groups. */
export interface EmrAccessProps {
  readonly cidrs?: readonly string[];
  readonly securityGroupIds?: readonly string[];
}

export interface EmrTargetProps {
  readonly vpcId: string;
  /**
   * Private subnets (tagged `for-use-with-amazon-emr-managed-policies = true`, which EMR's managed
   * service policy requires). Instance groups use the first; instance fleets let EMR choose.
   */
  readonly subnetIds: readonly string[];
  /** @default - the newest EMR release in cdktf-flink's table that ships the cluster's Flink version */
  readonly releaseLabel?: string;
  /** @default EmrMode.session() */
  readonly mode?: EmrMode;
  /** Instance groups (one type per role). Exactly one of instanceGroups and instanceFleets. */
  readonly instanceGroups?: { readonly primary: EmrInstanceGroup; readonly core: EmrInstanceGroup };
  /** Instance fleets (several types, spot). Exactly one of instanceGroups and instanceFleets. */
  readonly instanceFleets?: { readonly primary: EmrInstanceFleet; readonly core: EmrInstanceFleet };
  /** Where EMR writes the cluster's logs (and YARN's aggregated container logs): "s3://bucket/emr-logs/". */
  readonly logUri: string;
  /**
   * A KMS key for S3 (SSE-KMS) and local disks (EBS and instance store).
   * @default - a key is created, with rotation
   */
  readonly kmsKeyArn?: string;
  /**
   * In-transit encryption: a zip of PEM files on S3 (privateKey.pem, certificateChain.pem,
   * trustedCertificates.pem) as EMR's security configuration takes it. From EMR 7.3 it also turns on
   * TLS for Flink's internal traffic and REST. @default - none (a warning)
   */
  readonly inTransitCertificates?: string;
  /** Refuse termination through the API (Terraform too): turn off before destroying. @default true */
  readonly terminationProtection?: boolean;
  /** Who may reach the primary node's YARN web UIs (ResourceManager 8088, proxy 20888). @default - nobody: use SSM port forwarding */
  readonly webAccess?: EmrAccessProps;
  /** An EC2 key pair for SSH to the nodes. @default - none: SSM Session Manager */
  readonly keyPairName?: string;
  /** Root volume size in GiB. @default 30 */
  readonly rootVolumeSize?: number;
  /** The AWS partition of ARNs. @default "aws" */
  readonly partition?: string;
}

/**
 * What Flink on YARN decides itself (YarnEntrypointUtils and the YARN descriptors): the JobManager's
 * and REST's addresses are the ApplicationMaster's host, and with several containers per node every
 * port is a free one chosen at start. EMR's managed security groups open the nodes to each other.
 */
const YARN_OWNED_KEYS: Readonly<Record<string, string>> = {
  "jobmanager.rpc.address": "YARN sets to the host its ApplicationMaster container runs on",
  "rest.address": "YARN sets to the host its ApplicationMaster container runs on",
  "rest.bind-address": "YARN sets to the host its ApplicationMaster container runs on",
  "taskmanager.host": "YARN's NodeManager host decides",
  ...Object.fromEntries(
    ["jobmanager.rpc.port", "rest.port", "blob.server.port", "taskmanager.rpc.port", "taskmanager.data.port", "metrics.internal.query-service.port", "high-availability.jobmanager.port"].map((key) => [
      key,
      "Flink on YARN leaves to a free port on the node (several containers share a node; EMR's security groups open the nodes to each other)",
    ]),
  ),
};

/** Runs Flink on YARN in an Amazon EMR cluster: a YARN session, or one job in application mode. */
export class EmrTarget implements IFlinkTarget {
  public readonly kind = "emr";

  constructor(public readonly props: EmrTargetProps) {}

  public get mode(): EmrMode {
    return this.props.mode ?? EmrMode.session();
  }

  /** The EMR release: the one given, or the newest in the table that ships the version. */
  public releaseLabel(version: FlinkVersion): string | undefined {
    return this.props.releaseLabel ?? emrRelease(version.version)?.label;
  }

  /** How many core nodes run TaskManagers: the instance group's count, or the fleet's capacities. */
  public get coreNodes(): number {
    const { instanceGroups: g, instanceFleets: f } = this.props;
    if (g) return g.core.count ?? 2;
    return (f?.core.onDemandCapacity ?? 2) + (f?.core.spotCapacity ?? 0);
  }

  public practices(): TargetPractices {
    const certificates = this.props.inTransitCertificates;
    return {
      // YARN packs TaskManager containers onto nodes by its own vcores: a node's vCPUs say nothing of one TaskManager's.
      taskManagerVcpus: undefined,
      publicRest: publicCidrs("target.webAccess.cidrs", this.props.webAccess?.cidrs),
      images: [],
      platformTls: certificates === undefined ? undefined : { property: "target.inTransitCertificates", value: certificates },
    };
  }

  public platform(): PlatformInfo {
    return { kind: "emr", jobManagers: 1, taskManagers: this.coreNodes, mode: this.mode.kind };
  }

  public contribute(cluster: ClusterInfo): ClusterContribution {
    return {
      property: "target",
      ownedKeys: YARN_OWNED_KEYS,
      config: { "yarn.application.name": cluster.clusterName },
    };
  }

  public deploy(cluster: DeployableCluster): void {
    this.validate(cluster);
    new FlinkEmrDeployment(cluster, "Emr", { target: this, cluster });
  }

  private validate(cluster: DeployableCluster): void {
    const p = this.props;
    const problems = new Problems();
    const prop = (name: string) => `target.${name}`;
    const version = cluster.version.version;
    const release = p.releaseLabel ? EMR_RELEASES.find((r) => r.label === p.releaseLabel) : emrRelease(version);
    if (p.releaseLabel !== undefined && !Token.isUnresolved(p.releaseLabel)) {
      if (!release) {
        problems.error(prop("releaseLabel"), p.releaseLabel, "is not an EMR release in cdktf-flink's table (the releases that ship a Flink it supports; emr-7.5.0 and older ship Flink 1.19 and older)", `use one of ${EMR_RELEASES.map((r) => r.label).join(", ")}, or leave it unset.`);
      } else if (!ships(release, version)) {
        problems.error(prop("releaseLabel"), p.releaseLabel, `ships Flink ${release.flink}, not the cluster's Flink ${version}`, `set the cluster's version to FlinkVersion.of("${baseFlink(release.flink)}"), or leave releaseLabel unset.`);
      }
    } else if (!release) {
      const nearest = nearestEmrReleases(version);
      problems.error("version", version, `is not shipped by any EMR release (EMR ships Flink ${[...new Set(EMR_RELEASES.map((r) => baseFlink(r.flink)))].join(", ")}, and no 2.x)`, `use FlinkVersion.of("${nearest.flink}") with ${nearest.label}, or run Flink ${version} with FlinkTarget.ec2 or FlinkTarget.kubernetes.`);
    }
    const ha = cluster.contributions.find((c) => c.highAvailability)?.highAvailability;
    if (ha?.quorum && !ha.quorum.securityGroupId && !(ha.quorum.cidrs ?? []).length) {
      problems.error("ha", ha.quorum.description, "is a quorum the EMR target cannot open", "give zookeeper.quorum.securityGroupId (the quorum's group, which gets ingress from the EMR nodes) or cidrs.");
    }
    if ((p.instanceGroups === undefined) === (p.instanceFleets === undefined)) {
      problems.error(prop("instanceGroups/instanceFleets"), p.instanceGroups ? "both" : "neither", "must set exactly one of instanceGroups and instanceFleets (EMR takes one or the other)", "give instanceGroups: { primary, core } or instanceFleets: { primary, core }.");
    }
    this.validateNetwork(problems);
    if (!Token.isUnresolved(p.logUri) && !/^s3n?:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](\/.*)?$/.test(p.logUri)) {
      problems.error(prop("logUri"), p.logUri, "must be an S3 URI such as s3://bucket/emr-logs/", "give the bucket and prefix EMR writes the cluster's logs to.");
    }
    // The IAM grants name these objects: a reference may stand for the bucket, but "s3://" must be written out.
    for (const [property, value] of [[prop("logUri"), p.logUri], [prop("inTransitCertificates"), p.inTransitCertificates], ...(this.mode.job ? [[prop("mode.jar"), this.mode.job.jar]] : [])] as const) {
      if (value !== undefined && Token.isUnresolved(value) && !/^s3n?:\/\//.test(value)) {
        problems.error(property, "(a Terraform reference)", "must be written as s3://<bucket>/<key>, with references only inside it: the nodes' IAM grants are made from its bucket and key", "write it as `s3://${bucketName}/path`.");
      }
    }
    for (const [property, value] of [[prop("inTransitCertificates"), p.inTransitCertificates], ...(this.mode.job ? [[prop("mode.jar"), this.mode.job.jar]] : [])] as const) {
      if (value !== undefined && !Token.isUnresolved(value) && !/^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]\/\S+$/.test(value)) {
        problems.error(property, value, "must be an object on S3, e.g. s3://bucket/path/file", "upload it to S3 and give its URI.");
      }
    }
    const job = this.mode.job;
    if (job?.entryClass !== undefined && !/^[A-Za-z_$][\w$]*(\.[A-Za-z_$][\w$]*)*$/.test(job.entryClass)) {
      problems.error(prop("mode.entryClass"), job.entryClass, "must be a Java class name such as com.example.OrdersJob", "give the job's main class.");
    }
    if (p.kmsKeyArn !== undefined && !Token.isUnresolved(p.kmsKeyArn) && !isKmsKeyArn(p.kmsKeyArn)) {
      problems.error(prop("kmsKeyArn"), p.kmsKeyArn, "must be a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>)", "give the key's ARN; an alias cannot be used for local disk encryption.");
    }
    if (p.inTransitCertificates === undefined) {
      Annotations.of(cluster).addWarning("[flink:emr-plain-transit] target.inTransitCertificates is not set: traffic between the EMR nodes (Flink's RPC, data and REST among them) is not encrypted. Give a zip of PEM certificates on S3.");
    }
    if (p.terminationProtection === false) {
      Annotations.of(cluster).addWarning("[flink:emr-unprotected] target.terminationProtection is false: an API call or a Terraform replacement terminates the cluster and its running jobs without a savepoint.");
    }
    // Any configuration change replaces the EMR cluster, in either mode.
    checkStateDirectories(cluster, { property: "target core nodes", count: this.coreNodes }, true, problems);
    this.validateYarnMemory(cluster, problems);
    this.validateConfigValues(cluster, problems);
    checkReactiveMode(cluster, { target: "emr", mode: this.mode.kind }, problems);
    problems.throwIfErrors(`FlinkCluster "${cluster.node.path}":`);
  }

  private validateNetwork(problems: Problems): void {
    const p = this.props;
    const ids: Array<[string, string, string]> = [
      ["target.vpcId", p.vpcId, "vpc"],
      ...(Token.isUnresolved(p.subnetIds) ? [] : p.subnetIds.map((id, i): [string, string, string] => [`target.subnetIds[${i}]`, id, "subnet"])),
      ...(p.webAccess?.securityGroupIds ?? []).map((id, i): [string, string, string] => [`target.webAccess.securityGroupIds[${i}]`, id, "sg"]),
    ];
    for (const [property, id, kind] of ids) {
      if (!Token.isUnresolved(id) && !new RegExp(`^${kind}-[0-9a-f]{8}([0-9a-f]{9})?$`).test(id)) {
        problems.error(property, id, `must be an AWS ${kind} id such as ${kind}-0123456789abcdef0`, "pass the resource's id.");
      }
    }
    if (!Token.isUnresolved(p.subnetIds) && p.subnetIds.length === 0) {
      problems.error("target.subnetIds", p.subnetIds, "must list at least one subnet", "give the private subnets the cluster runs in.");
    }
    // YARN's ResourceManager accepts unauthenticated REST submissions: only private networks may reach it.
    for (const cidr of p.webAccess?.cidrs ?? []) {
      if (Token.isUnresolved(cidr)) continue;
      const parsed = parseIpv4Cidr(cidr);
      const [a, b] = parsed?.octets ?? [];
      const isPrivate = parsed !== undefined && ((a === 10 && parsed.prefix >= 8) || (a === 172 && b >= 16 && b <= 31 && parsed.prefix >= 12) || (a === 192 && b === 168 && parsed.prefix >= 16));
      if (!parsed) problems.error("target.webAccess.cidrs", cidr, "must be an IPv4 CIDR block such as 10.0.0.0/16", "fix the CIDR block.");
      else if (!isPrivate) problems.error("target.webAccess.cidrs", cidr, "opens YARN's web UIs, which submit and kill applications without authentication, beyond private networks (10/8, 172.16/12, 192.168/16)", "narrow it to your private network, and reach it through a VPN or SSM port forwarding.");
    }
  }

  /**
   * Flink asks YARN for containers of exactly its process sizes: each must fit YARN's largest
   * container on the core nodes (the ApplicationMaster runs on a core node too).
   */
  private validateYarnMemory(cluster: DeployableCluster, problems: Problems): void {
    const p = this.props;
    const coreTypes = p.instanceGroups ? [p.instanceGroups.core.instanceType] : p.instanceFleets?.core.instanceTypes ?? [];
    const known = coreTypes.map((type) => ({ type, limits: yarnNodeLimits(type) }));
    for (const { type } of known.filter((k) => !k.limits)) {
      Annotations.of(cluster).addWarning(`[flink:unknown-instance-type] target core instance type ${type} is not in cdktf-flink's table of EMR's YARN defaults, so Flink's memory is not checked against it.`);
    }
    const smallest = known.filter((k) => k.limits).sort((a, b) => a.limits!.maxAllocationMb - b.limits!.maxAllocationMb)[0];
    if (!smallest) return;
    const allowed = BigInt(smallest.limits!.maxAllocationMb) << 20n;
    const property = p.instanceGroups ? "target.instanceGroups.core.instanceType" : "target.instanceFleets.core.instanceTypes";
    for (const [role, bytes] of [["jobManager", cluster.derivedMemory.jobManager?.totalProcess], ["taskManager", cluster.derivedMemory.taskManager?.totalProcess]] as const) {
      if (bytes === undefined || BigInt(bytes) <= allowed) continue;
      problems.error(
        property,
        smallest.type,
        `lets YARN give a container at most ${smallest.limits!.maxAllocationMb} MB (yarn.scheduler.maximum-allocation-mb, EMR's default for ${smallest.type}), less than Flink's ${role} process size ${formatMemorySize(BigInt(bytes))} (${role}.memory.process)`,
        `use a larger core instance type or a ${role}.memory.process of at most ${smallest.limits!.maxAllocationMb}m.`,
      );
    }
    const slots = cluster.configuration.taskSlots;
    if (slots !== undefined && slots > smallest.limits!.vcpus) {
      Annotations.of(cluster).addWarning(`[flink:slots-exceed-vcpus] taskManager.slots is ${slots} but ${smallest.type} has ${smallest.limits!.vcpus} vCPUs: slots will compete for CPU. Use fewer slots or a larger instance type.`);
    }
  }

  /** EMR writes the flink-conf classification as flink-conf.yaml lines, which cannot carry every value. */
  private validateConfigValues(cluster: DeployableCluster, problems: Problems): void {
    const { entries, sources } = cluster.configuration;
    for (const [key, value] of entries) {
      const text = legacyConfValue(value as ConfigValue);
      const problem = Token.isUnresolved(text) ? undefined : legacyConfProblem(text);
      if (problem) problems.error(sources.get(key) ?? key, text, problem, "give the value without it.");
    }
  }
}

