import { Annotations, Token } from "cdktf";
import { ClusterContribution, ClusterInfo } from "../../cluster-feature";
import { Problems } from "../../config/problems";
import { formatMemorySize } from "../../config/units";
import { DeployableCluster, IFlinkTarget } from "../target";
import { FlinkKubernetesDeployment } from "./kubernetes-deployment";
import { IKubernetesIdentity } from "./identity";
import { checkDnsLabel, checkDnsSubdomain, checkLabelKey, checkLabelValue } from "./kubernetes-names";

/** Session mode (jobs are submitted to a running cluster) or application mode (one job, in the image). */
export class KubernetesMode {
  /** A session cluster: jobs are submitted through the REST API (`flink run -m ...`). */
  public static session(): KubernetesMode {
    return new KubernetesMode("session", undefined);
  }

  /**
   * One job, started by Flink's `standalone-job` entry point from the jar in the image's
   * /opt/flink/usrlib.
   */
  public static application(job: ApplicationJob): KubernetesMode {
    return new KubernetesMode("application", job);
  }

  private constructor(
    public readonly kind: "session" | "application",
    public readonly job: ApplicationJob | undefined,
  ) {}
}

export interface ApplicationJob {
  /** The job's main class, e.g. "com.example.OrdersJob". */
  readonly entryClass: string;
  /** Program arguments. @default - none */
  readonly args?: readonly string[];
  /** Restore from this savepoint on start. @default - the latest checkpoint, or a fresh start */
  readonly fromSavepoint?: string;
  /** Skip state that cannot be mapped to the new program. @default false */
  readonly allowNonRestoredState?: boolean;
}

/** CPU and memory of one Flink container. Quantities in Kubernetes notation ("2", "500m", "4Gi"). */
export interface KubernetesResources {
  /** @default - the TaskManager's slots, or 1 for the JobManager */
  readonly cpuRequest?: string | number;
  /** @default - cpuRequest */
  readonly cpuLimit?: string | number;
  /** The memory limit, also the request; it must hold Flink's whole process memory. @default - Flink's process size */
  readonly memory?: string;
}

/** Scheduling of one role's pods. */
export interface KubernetesScheduling {
  readonly nodeSelector?: Readonly<Record<string, string>>;
  readonly tolerations?: ReadonlyArray<{ readonly key?: string; readonly operator?: "Equal" | "Exists"; readonly value?: string; readonly effect?: "NoSchedule" | "PreferNoSchedule" | "NoExecute" }>;
  /** Node affinity in the provider's typed shape, passed through. @default - none */
  readonly nodeAffinity?: unknown;
  /** Spread this role's pods over nodes. @default "preferred" for TaskManagers, "none" for the JobManager */
  readonly antiAffinity?: "required" | "preferred" | "none";
  readonly priorityClassName?: string;
}

/** Who may reach a port, as NetworkPolicy peers. */
export interface KubernetesAccess {
  /** Namespaces, by their labels. */
  readonly namespaceLabels?: ReadonlyArray<Readonly<Record<string, string>>>;
  /** Pods of the cluster's namespace, by their labels. */
  readonly podLabels?: ReadonlyArray<Readonly<Record<string, string>>>;
  /** IPv4 CIDR blocks. */
  readonly cidrs?: readonly string[];
}

export interface KubernetesTargetProps {
  /** The namespace; created unless `create` is false. */
  readonly namespace: { readonly name: string; readonly create?: boolean };
  /** The Flink image (official or built on it), ideally pinned by digest. Application mode: the job jar in /opt/flink/usrlib. */
  readonly image: string;
  /** @default "IfNotPresent" */
  readonly imagePullPolicy?: "Always" | "IfNotPresent" | "Never";
  /** Secrets for pulling the image. @default - none */
  readonly imagePullSecrets?: readonly string[];
  /** @default KubernetesMode.session() */
  readonly mode?: KubernetesMode;
  readonly jobManager?: { readonly resources?: KubernetesResources; readonly scheduling?: KubernetesScheduling };
  readonly taskManagers: {
    readonly replicas: number;
    readonly resources?: KubernetesResources;
    readonly scheduling?: KubernetesScheduling;
    /**
     * RocksDB's local state (and local recovery) on a persistent volume per TaskManager: the
     * TaskManagers become a StatefulSet with a volume claim template. @default - an emptyDir
     */
    readonly localStateVolume?: { readonly size: string; readonly storageClassName?: string };
  };
  /** Extra labels and annotations on every object and pod. */
  readonly labels?: Readonly<Record<string, string>>;
  readonly annotations?: Readonly<Record<string, string>>;
  /** Annotations of the ServiceAccount (e.g. for workload identity). @default - none */
  readonly serviceAccountAnnotations?: Readonly<Record<string, string>>;
  /**
   * Gives the ServiceAccount an AWS role with the cluster's storage grants (IRSA on EKS).
   * @default - no AWS identity
   */
  readonly awsIdentity?: IKubernetesIdentity;
  /** Who may reach the REST API and web UI. @default - nobody outside the cluster's pods */
  readonly restAccess?: KubernetesAccess;
  /** Who may scrape the metrics reporters' ports. @default - nobody */
  readonly metricsAccess?: KubernetesAccess;
  /** An Ingress for the web UI. @default - none */
  readonly ingress?: { readonly host: string; readonly className?: string; readonly tlsSecretName?: string; readonly annotations?: Readonly<Record<string, string>> };
}

const QUANTITY = /^(\d+(\.\d+)?)(m|k|M|G|T|Ki|Mi|Gi|Ti)?$/;

/** A Kubernetes quantity in bytes (memory) or millicores (cpu); undefined when malformed. */
export function quantityValue(quantity: string | number, kind: "memory" | "cpu"): number | undefined {
  const match = QUANTITY.exec(String(quantity));
  if (!match) return undefined;
  const factors: Record<string, number> = { "": 1, m: 1e-3, k: 1e3, M: 1e6, G: 1e9, T: 1e12, Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40 };
  const value = Number(match[1]) * factors[match[3] ?? ""];
  return kind === "cpu" ? value * 1000 : value;
}

/** Runs a standalone Flink cluster on Kubernetes, the way Flink's own standalone-Kubernetes deployment does. */
export class KubernetesTarget implements IFlinkTarget {
  public readonly kind = "kubernetes";

  constructor(public readonly props: KubernetesTargetProps) {}

  /** The JobManager Service: TaskManagers and clients reach the JobManager by this name. */
  public jobManagerService(cluster: ClusterInfo): string {
    return `${cluster.clusterName}-jobmanager`;
  }

  public jobManagerAddress(cluster: ClusterInfo): string {
    return `${this.jobManagerService(cluster)}.${this.props.namespace.name}.svc`;
  }

  public contribute(cluster: ClusterInfo): ClusterContribution {
    return { property: "target", config: { "jobmanager.rpc.address": this.jobManagerAddress(cluster) } };
  }

  public deploy(cluster: DeployableCluster): void {
    this.validate(cluster);
    new FlinkKubernetesDeployment(cluster, "Kubernetes", { target: this, cluster });
  }

  private validate(cluster: DeployableCluster): void {
    const p = this.props;
    const problems = new Problems();
    const known = (v: unknown) => v !== undefined && !Token.isUnresolved(v);
    checkDnsLabel("target.namespace.name", p.namespace.name, problems);
    if (known(p.image) && !/^[a-z0-9][a-z0-9._\/:-]*(@sha256:[0-9a-f]{64})?$/.test(p.image)) {
      problems.error("target.image", p.image, "must be a container image reference such as flink:2.2.0-java17", "give the image by name and tag, ideally pinned by digest.");
    }
    (p.imagePullSecrets ?? []).forEach((name, i) => checkDnsSubdomain(`target.imagePullSecrets[${i}]`, name, problems));
    for (const [key, value] of Object.entries(p.labels ?? {})) {
      checkLabelKey(`target.labels[${JSON.stringify(key)}]`, key, problems);
      checkLabelValue(`target.labels[${JSON.stringify(key)}]`, value, problems);
    }
    const mode = p.mode ?? KubernetesMode.session();
    if (mode.kind === "application" && !(mode.job && /^[A-Za-z_$][\w$]*(\.[A-Za-z_$][\w$]*)*$/.test(mode.job.entryClass ?? ""))) {
      problems.error("target.mode", mode.job?.entryClass, "application mode needs a job: the fully qualified main class of the jar in /opt/flink/usrlib", 'use KubernetesMode.application({ entryClass: "com.example.Job" }) or KubernetesMode.session().');
    }
    if (!(Number.isInteger(p.taskManagers.replicas) && p.taskManagers.replicas >= 1)) {
      problems.error("target.taskManagers.replicas", p.taskManagers.replicas, "must be a whole number >= 1", "run at least one TaskManager.");
    }
    const volume = p.taskManagers.localStateVolume;
    if (volume && !(QUANTITY.test(volume.size) && (quantityValue(volume.size, "memory") ?? 0) > 0)) {
      problems.error("target.taskManagers.localStateVolume.size", volume.size, "must be a Kubernetes storage quantity such as 100Gi", "give the volume's size.");
    }
    if (volume && typeof cluster.configuration.entries.get("state.backend.rocksdb.localdir") !== "string") {
      problems.error("target.taskManagers.localStateVolume", volume, "needs stateBackend.rocksdb.localDir, the path the volume is mounted at", 'set StateBackend.rocksdb({ localDir: "/var/lib/flink/rocksdb" }).');
    }
    if (p.ingress && known(p.ingress.host) && !/^(\*\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/.test(p.ingress.host)) {
      problems.error("target.ingress.host", p.ingress.host, "must be a DNS name such as flink.example.com", "give the host the web UI is served at.");
    }
    this.validateResources("jobManager", p.jobManager?.resources, cluster.memory.jobManager?.totalProcess, 1, problems);
    const slots = cluster.configuration.entries.get("taskmanager.numberOfTaskSlots");
    this.validateResources("taskManagers", p.taskManagers.resources, cluster.memory.taskManager?.totalProcess, typeof slots === "number" ? slots : 1, problems);
    for (const [name, port] of Object.entries({ "jobManager.blobServerPort": cluster.ports.blobServer, "taskManager.rpcPort": cluster.ports.taskManagerRpc, ...Object.fromEntries(cluster.ports.metrics.map((m, i) => [`metricReporters[${i}].port`, m])) })) {
      if (typeof port !== "number") problems.error(name, port, "must be a single port on Kubernetes (a container port cannot be a range)", "give one port number.");
    }
    problems.throwIfErrors(`FlinkCluster "${cluster.node.path}":`);
    if (!p.awsIdentity && cluster.contributions.some((c) => (c.iamStatements ?? []).length > 0)) {
      Annotations.of(cluster).addWarning(
        "[flink:grants-without-identity] the cluster's features grant IAM access (stateStorage), but the Kubernetes target has no awsIdentity to carry it: the pods get no AWS permissions. Set awsIdentity (IRSA on EKS), or give the pods credentials another way.",
      );
    }
  }

  private validateResources(role: string, resources: KubernetesResources | undefined, processBytes: number | undefined, defaultCpu: number, problems: Problems): void {
    const property = `target.${role}.resources`;
    const cpuRequest = resources?.cpuRequest ?? defaultCpu;
    const cpuLimit = resources?.cpuLimit ?? cpuRequest;
    const request = quantityValue(cpuRequest, "cpu");
    const limit = quantityValue(cpuLimit, "cpu");
    if (request === undefined || request <= 0) problems.error(`${property}.cpuRequest`, cpuRequest, "must be a CPU quantity such as 2 or 500m", "give a positive CPU quantity.");
    if (limit === undefined || limit <= 0) problems.error(`${property}.cpuLimit`, cpuLimit, "must be a CPU quantity such as 2 or 500m", "give a positive CPU quantity.");
    if (request !== undefined && limit !== undefined && request > limit) {
      problems.error(`${property}.cpuRequest`, cpuRequest, `is above cpuLimit ${cpuLimit}; Kubernetes refuses a request above its limit`, "raise cpuLimit or lower cpuRequest.");
    }
    if (resources?.memory === undefined || processBytes === undefined) return;
    const memory = quantityValue(resources.memory, "memory");
    if (memory === undefined || resources.memory.endsWith("m")) {
      problems.error(`${property}.memory`, resources.memory, "must be a memory quantity such as 4Gi", "use Ki, Mi or Gi.");
    } else if (memory < processBytes) {
      const memoryProperty = role === "jobManager" ? "jobManager.memory" : "taskManager.memory";
      problems.error(
        `${property}.memory`,
        resources.memory,
        `is ${formatMemorySize(BigInt(Math.floor(memory)))}, below Flink's process size ${formatMemorySize(BigInt(processBytes))} (${memoryProperty}); the container would be OOM-killed`,
        `raise the limit to at least ${formatMemorySize(BigInt(processBytes))}, or lower ${memoryProperty}.process.`,
      );
    }
  }
}

