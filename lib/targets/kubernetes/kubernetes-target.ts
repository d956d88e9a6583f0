import { Annotations, Token } from "cdktf";
import { ClusterContribution, ClusterInfo, PlatformInfo } from "../../cluster-feature";
import { Problems } from "../../config/problems";
import { formatMemorySize } from "../../config/units";
import { DeployableCluster, IFlinkTarget, TargetPractices } from "../target";
import { FlinkKubernetesDeployment } from "./kubernetes-deployment";
import { IKubernetesIdentity } from "./identity";
import { checkDnsLabel, checkDnsSubdomain, checkLabelKey, checkLabelValue } from "./kubernetes-names";
import { isIpv4Cidr, publicCidrs } from "../../private/validate";
import { checkFlinkImage, checkStateDirectories, secretStores } from "../flink-process";
import { checkReactiveMode, checkUtilization, warnAboutAutoscaling, wholeSeconds } from "../elastic";

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
  readonly jobManager?: {
    /**
     * How many JobManager pods: more than one needs `ha` on the cluster. Each binds to its pod IP;
     * TaskManagers and the REST Service find the leader through HA.
     * @default 1
     */
    readonly replicas?: number;
    readonly resources?: KubernetesResources;
    readonly scheduling?: KubernetesScheduling;
  };
  readonly taskManagers: {
    readonly replicas: number;
    readonly resources?: KubernetesResources;
    readonly scheduling?: KubernetesScheduling;
    /**
     * A persistent volume per TaskManager at /var/lib/flink for Flink's working directory, RocksDB's
     * local state and local recovery: the TaskManagers become a StatefulSet whose pods keep their
     * resource id and volume across restarts. @default - an emptyDir
     */
    readonly localStateVolume?: { readonly size: string; readonly storageClassName?: string };
    /**
     * A HorizontalPodAutoscaler of the TaskManagers on their average CPU: `replicas` is then only the
     * count at creation, and Terraform leaves the replica count to the autoscaler. Pair it with
     * scheduler: "reactive" in application mode. Needs the metrics server. @default - none: replicas stays fixed
     */
    readonly autoscaling?: KubernetesTaskManagerAutoscaling;
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
  /** Who may reach the REST API and web UI (an Ingress needs its controller here). @default - nobody */
  readonly restAccess?: KubernetesAccess;
  /** Who may scrape the metrics reporters' ports. @default - nobody */
  readonly metricsAccess?: KubernetesAccess;
  /** An Ingress for the web UI. @default - none */
  readonly ingress?: { readonly host: string; readonly className?: string; readonly tlsSecretName?: string; readonly annotations?: Readonly<Record<string, string>> };
}

/** The TaskManagers' HorizontalPodAutoscaler (autoscaling/v2). */
export interface KubernetesTaskManagerAutoscaling {
  /** At least 1: the autoscaler cannot scale to zero on CPU. Park a session with replicas: 0 instead. */
  readonly minReplicas: number;
  readonly maxReplicas: number;
  /**
   * The pods' average CPU utilization to hold, in percent of their CPU request (`resources.cpuRequest`,
   * by default the slot count); above 100 only when the CPU limit is above the request.
   */
  readonly targetCpuUtilization: number;
  /**
   * The cooldown of scaling down: the autoscaler scales down only to the highest count it computed over
   * this window (`behavior.scaleDown.stabilizationWindowSeconds`, whole seconds, at most 1 h). Every
   * rescale restarts the job from its last checkpoint. @default "5 min" (Kubernetes' default)
   */
  readonly scaleDownStabilization?: string;
  /** The same for scaling up (`behavior.scaleUp.stabilizationWindowSeconds`). @default "0 s" (Kubernetes' default) */
  readonly scaleUpStabilization?: string;
}

/** Where a TaskManager's persistent volume is mounted. */
export const LOCAL_STATE_DIR = "/var/lib/flink";
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

  public get jobManagerReplicas(): number {
    return this.props.jobManager?.replicas ?? 1;
  }

  public practices(cluster: DeployableCluster): TargetPractices {
    const p = this.props;
    const resources = p.taskManagers.resources;
    const cpu = resources?.cpuLimit ?? resources?.cpuRequest;
    const millicores = cpu === undefined ? undefined : quantityValue(cpu, "cpu");
    const vcpus = millicores === undefined ? undefined : millicores / 1000;
    const scheme = Object.entries(p.ingress?.annotations ?? {}).find(([key]) => key.endsWith("/scheme"))?.[1];
    return {
      // Without an explicit CPU the pods request one CPU per slot.
      taskManagerVcpus: vcpus === undefined ? { property: "target.taskManagers.resources.cpuRequest", value: `${cluster.configuration.taskSlots ?? 1} (one per slot)`, vcpus: cluster.configuration.taskSlots ?? 1 } : { property: `target.taskManagers.resources.${resources?.cpuLimit !== undefined ? "cpuLimit" : "cpuRequest"}`, value: String(cpu), vcpus },
      publicRest: [
        ...publicCidrs("target.restAccess.cidrs", p.restAccess?.cidrs),
        ...(scheme === "internet-facing" ? [{ property: "target.ingress.annotations", value: "scheme: internet-facing" }] : []),
      ],
      images: [{ property: "target.image", value: p.image }],
    };
  }

  public platform(): PlatformInfo {
    return { kind: "kubernetes", namespace: this.props.namespace.name, jobManagers: this.jobManagerReplicas, taskManagers: this.props.taskManagers.replicas, mode: this.props.mode?.kind ?? "session" };
  }

  public contribute(cluster: ClusterInfo): ClusterContribution {
    const localRecovery: Record<string, string | boolean> = this.props.taskManagers.localStateVolume
      ? {
          "process.taskmanager.working-dir": `${LOCAL_STATE_DIR}/working-dir`,
          "execution.checkpointing.local-backup.enabled": true,
          "execution.state-recovery.from-local": true,
        }
      : {};
    return { property: "target", config: { "jobmanager.rpc.address": this.jobManagerAddress(cluster), ...localRecovery } };
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
    checkFlinkImage(cluster, "target.image", p.image, problems);
    (p.imagePullSecrets ?? []).forEach((name, i) => checkDnsSubdomain(`target.imagePullSecrets[${i}]`, name, problems));
    for (const [key, value] of Object.entries(p.labels ?? {})) {
      checkLabelKey(`target.labels[${JSON.stringify(key)}]`, key, problems);
      checkLabelValue(`target.labels[${JSON.stringify(key)}]`, value, problems);
    }
    const mode = p.mode ?? KubernetesMode.session();
    if (mode.kind === "application" && !(mode.job && /^[A-Za-z_$][\w$]*(\.[A-Za-z_$][\w$]*)*$/.test(mode.job.entryClass ?? ""))) {
      problems.error("target.mode", mode.job?.entryClass, "application mode needs a job: the fully qualified main class of the jar in /opt/flink/usrlib", 'use KubernetesMode.application({ entryClass: "com.example.Job" }) or KubernetesMode.session().');
    }
    if (!(Number.isInteger(p.taskManagers.replicas) && p.taskManagers.replicas >= 0)) {
      problems.error("target.taskManagers.replicas", p.taskManagers.replicas, "must be a whole number >= 0", "give the number of TaskManager pods (0 parks a session cluster).");
    } else if (p.taskManagers.replicas === 0) {
      Annotations.of(cluster).addWarning(
        `[flink:no-taskmanagers] target.taskManagers.replicas is 0: the cluster is parked, jobs wait for slots${mode.kind === "application" ? " and the application's job cannot start" : ""}. Scale the TaskManagers up to run jobs.${p.taskManagers.autoscaling ? " The HorizontalPodAutoscaler does not act on a workload at 0 replicas: scale it up yourself (kubectl scale), and the autoscaler takes over from there." : ""}`,
      );
    }
    this.validateAutoscaling(cluster, mode.kind, problems);
    checkReactiveMode(cluster, { target: "kubernetes", mode: mode.kind }, problems);
    const replicas = this.jobManagerReplicas;
    if (!(Number.isInteger(replicas) && replicas >= 1 && replicas <= 5)) {
      problems.error("target.jobManager.replicas", replicas, "must be a whole number from 1 to 5", "run 1 JobManager, or 2-3 with ha.");
    } else if (replicas > 1 && !cluster.contributions.some((c) => c.highAvailability)) {
      problems.error("target.jobManager.replicas", replicas, "is more than one JobManager without high availability: each would act as the only leader", "set the cluster's ha (new FlinkHA(...)), or run one JobManager.");
    }
    // Application mode has its own warning ([flink:application-without-ha]).
    const autoscaledTo = p.taskManagers.autoscaling?.maxReplicas;
    checkStateDirectories(cluster, autoscaledTo === undefined ? { property: "target.taskManagers.replicas", count: p.taskManagers.replicas } : { property: "target.taskManagers.autoscaling.maxReplicas", count: autoscaledTo }, mode.kind === "session", problems);
    const volume = p.taskManagers.localStateVolume;
    if (volume && !(QUANTITY.test(volume.size) && (quantityValue(volume.size, "memory") ?? 0) > 0)) {
      problems.error("target.taskManagers.localStateVolume.size", volume.size, "must be a Kubernetes storage quantity such as 100Gi", "give the volume's size.");
    }
    const localDir = cluster.configuration.entries.get("state.backend.rocksdb.localdir");
    if (volume && typeof localDir === "string" && !localDir.startsWith(`${LOCAL_STATE_DIR}/`)) {
      problems.error("stateBackend.rocksdb.localDir", localDir, `is not on the TaskManagers' persistent volume, which is mounted at ${LOCAL_STATE_DIR}`, `leave localDir unset (RocksDB then uses the working directory on the volume) or put it under ${LOCAL_STATE_DIR}/.`);
    }
    if (p.ingress && !(p.restAccess?.namespaceLabels?.length || p.restAccess?.podLabels?.length || p.restAccess?.cidrs?.length)) {
      problems.error("target.ingress", p.ingress.host, "cannot reach the REST API: the NetworkPolicy admits no one to it", 'add the ingress controller to restAccess, e.g. { namespaceLabels: [{ "kubernetes.io/metadata.name": "ingress-nginx" }] }.');
    }
    const tls = secretStores(cluster);
    const backendProtocol = Object.entries(p.ingress?.annotations ?? {}).find(([key]) => key.endsWith("/backend-protocol"))?.[1];
    if (p.ingress && tls?.restHttps && backendProtocol?.toUpperCase() !== "HTTPS") {
      problems.error("target.ingress.annotations", backendProtocol, "must make the ingress controller speak https to the REST Service: REST has TLS, and a plain-http backend gets no answer", 'add "nginx.ingress.kubernetes.io/backend-protocol": "HTTPS" (ingress-nginx) or "alb.ingress.kubernetes.io/backend-protocol": "HTTPS" (AWS Load Balancer Controller).');
    }
    if (p.ingress && tls?.restMutual) {
      problems.error("target.ingress", p.ingress.host, "cannot pass REST's mutual TLS through: the controller would have to present a client certificate itself", "give the ingress controller a client certificate (e.g. ingress-nginx proxy-ssl-secret) and then set restAccess instead of ingress, or drop mutual.");
    }
    for (const [name, access] of [["restAccess", p.restAccess], ["metricsAccess", p.metricsAccess]] as const) {
      (access?.cidrs ?? []).forEach((cidr, i) => {
        if (known(cidr) && !isIpv4Cidr(cidr)) problems.error(`target.${name}.cidrs[${i}]`, cidr, "must be an IPv4 CIDR block such as 10.0.0.0/16", "fix the CIDR block.");
      });
    }
    for (const [role, scheduling] of [["jobManager", p.jobManager?.scheduling], ["taskManagers", p.taskManagers.scheduling]] as const) {
      for (const [key, value] of Object.entries(scheduling?.nodeSelector ?? {})) {
        checkLabelKey(`target.${role}.scheduling.nodeSelector`, key, problems);
        checkLabelValue(`target.${role}.scheduling.nodeSelector[${JSON.stringify(key)}]`, value, problems);
      }
      (scheduling?.tolerations ?? []).forEach((t, i) => {
        if (t.operator === "Exists" && t.value !== undefined) problems.error(`target.${role}.scheduling.tolerations[${i}].value`, t.value, "must be empty when operator is Exists", "remove the value, or use operator Equal.");
        if (t.key === undefined && t.operator !== "Exists") problems.error(`target.${role}.scheduling.tolerations[${i}].key`, t.key, "may only be empty with operator Exists", "give the taint's key.");
      });
    }
    if (p.ingress && known(p.ingress.host) && !/^(\*\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/.test(p.ingress.host)) {
      problems.error("target.ingress.host", p.ingress.host, "must be a DNS name such as flink.example.com", "give the host the web UI is served at.");
    }
    this.validateResources("jobManager", p.jobManager?.resources, cluster.derivedMemory.jobManager?.totalProcess, 1, problems);
    for (const [role, resources, memory] of [["jobManager", p.jobManager?.resources, cluster.derivedMemory.jobManager], ["taskManagers", p.taskManagers.resources, cluster.derivedMemory.taskManager]] as const) {
      if (memory === undefined && resources?.memory === undefined) {
        problems.error(`target.${role}.resources.memory`, undefined, "must be set when Flink's memory size is a token: the container's limit cannot be derived at synth time", "set the memory limit to at least Flink's process size.");
      }
    }
    this.validateResources("taskManagers", p.taskManagers.resources, cluster.derivedMemory.taskManager?.totalProcess, cluster.configuration.taskSlots ?? 1, problems);
    const { entries, sources } = cluster.configuration;
    const reporterPorts = [...entries.keys()].filter((key) => /^metrics\.reporter\.[^.]+\.port$/.test(key)).map((key) => [sources.get(key) ?? key, entries.get(key)]);
    for (const [name, port] of Object.entries({ "jobManager.blobServerPort": cluster.ports.blobServer, "taskManager.rpcPort": cluster.ports.taskManagerRpc, ...Object.fromEntries(reporterPorts) })) {
      if (typeof port !== "number") problems.error(name, port, "must be a single port on Kubernetes (a container port cannot be a range)", "give one port number.");
    }
    problems.throwIfErrors(`FlinkCluster "${cluster.node.path}":`);
    if (mode.kind === "application" && !cluster.contributions.some((c) => c.highAvailability)) {
      Annotations.of(cluster).addWarning(
        "[flink:application-without-ha] application mode without high availability: when the JobManager restarts, the job starts again from fromSavepoint or empty state, not from its latest checkpoint.",
      );
    }
    if (!p.awsIdentity && cluster.contributions.some((c) => (c.iamStatements ?? []).length > 0)) {
      Annotations.of(cluster).addWarning(
        "[flink:grants-without-identity] the cluster's features grant IAM access (stateStorage), but the Kubernetes target has no awsIdentity to carry it: the pods get no AWS permissions. Set awsIdentity (IRSA on EKS), or give the pods credentials another way.",
      );
    }
  }

  /** The HorizontalPodAutoscaler: 1 <= min <= max, replicas between them (or 0, parked), a reachable CPU target, windows in seconds. */
  private validateAutoscaling(cluster: DeployableCluster, mode: "session" | "application", problems: Problems): void {
    const tm = this.props.taskManagers;
    const a = tm.autoscaling;
    if (!a) return;
    const property = "target.taskManagers.autoscaling";
    const { minReplicas: min, maxReplicas: max } = a;
    const counts = [min, max, tm.replicas];
    let sound = true;
    if (!counts.some((n) => Token.isUnresolved(n))) {
      const broken = [
        [!counts.every(Number.isInteger), "must be whole numbers", "give whole numbers of pods"],
        [min < 1, "must have minReplicas >= 1: a HorizontalPodAutoscaler cannot scale to zero on CPU (that needs the HPAScaleToZero feature gate and an object or external metric)", "set minReplicas to 1 or more; to park a session cluster, set replicas: 0 (the autoscaler then waits until you scale up)"],
        [min > max, `must have minReplicas <= maxReplicas (${min} > ${max})`, `raise maxReplicas to ${min} or lower minReplicas to ${max}`],
        [tm.replicas !== 0 && (tm.replicas < min || tm.replicas > max), `must have target.taskManagers.replicas (${tm.replicas}, the count at creation) between minReplicas ${min} and maxReplicas ${max}, or 0 to park the cluster`, `set replicas to ${Math.min(Math.max(tm.replicas, min), max)}`],
      ] as const;
      for (const [failed, rule, fix] of broken) if (failed) problems.error(property, { minReplicas: min, maxReplicas: max, replicas: tm.replicas }, rule, `${fix}.`);
      sound = !broken.some(([failed]) => failed);
    }
    const request = quantityValue(tm.resources?.cpuRequest ?? cluster.configuration.taskSlots ?? 1, "cpu");
    const limit = quantityValue(tm.resources?.cpuLimit ?? tm.resources?.cpuRequest ?? cluster.configuration.taskSlots ?? 1, "cpu");
    const ceiling = request && limit && limit > request ? Math.floor((100 * limit) / request) : 100;
    checkUtilization(`${property}.targetCpuUtilization`, a.targetCpuUtilization, ceiling, problems, ceiling === 100 ? " (utilization is of the CPU request, which the pods' CPU limit equals)" : ` (the pods' CPU limit is ${ceiling}% of their request)`);
    wholeSeconds(`${property}.scaleDownStabilization`, a.scaleDownStabilization, 3600, problems);
    wholeSeconds(`${property}.scaleUpStabilization`, a.scaleUpStabilization, 3600, problems);
    if (sound) warnAboutAutoscaling(cluster, { property, maxProperty: `${property}.maxReplicas`, max, mode });
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

