import { IKubernetesIdentity } from "../targets/kubernetes/identity";
import { IFlinkEksCluster } from "../targets/eks/flink-eks-cluster";
import { FluentBitOutput } from "./fluent-bit-output";

/**
 * The Amazon CloudWatch Observability EKS add-on: its Fluent Bit ships every container's stdout and
 * stderr to `/aws/containerinsights/<cluster>/application` (JSON lines are parsed into `log_processed`).
 * @see https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/install-CloudWatch-Observability-EKS-addon.html
 */
export interface CloudWatchObservabilityOptions {
  /** The EKS cluster the add-on is installed on; its OIDC provider vouches for the add-on's service account. */
  readonly eksCluster: IFlinkEksCluster;
  /**
   * Days CloudWatch keeps the add-on's log groups, one of CloudWatch's retention periods; without the
   * groups made here, the add-on would create them and keep logs forever.
   * @default 30
   */
  readonly retentionDays?: number;
  /** A KMS key ARN that encrypts the log groups; its key policy must admit logs.<region>.amazonaws.com. @default - CloudWatch's own encryption */
  readonly kmsKeyArn?: string;
  /** The add-on version, e.g. "v4.1.0-eksbuild.1" (`aws eks describe-addon-versions`). @default - EKS's default for the cluster's version */
  readonly addonVersion?: string;
  /** The AWS partition of the managed policy's ARN. @default "aws" */
  readonly partition?: string;
}

/** Tolerations of the Fluent Bit pods, as Kubernetes spells them. */
export interface FluentBitToleration {
  readonly key?: string;
  readonly operator?: "Equal" | "Exists";
  readonly value?: string;
  readonly effect?: "NoSchedule" | "PreferNoSchedule" | "NoExecute";
}

/** A Fluent Bit DaemonSet that collects the container logs of the given namespaces' pods. */
export interface FluentBitOptions {
  /** Fluent Bit's own namespace; created unless `create` is false. @default { name: "fluent-bit", create: true } */
  readonly namespace?: { readonly name: string; readonly create?: boolean };
  /**
   * The Fluent Bit image pinned by digest, e.g. "cr.fluentbit.io/fluent/fluent-bit:4.0.3@sha256:<64 hex>":
   * the agent runs as root on every node, so a moved tag must never change what runs.
   */
  readonly image: string;
  /** The namespaces whose pods' logs are collected (the Flink clusters' namespaces): at least one. */
  readonly namespaces: readonly string[];
  /** `FluentBitOutput.cloudWatch({...})` or `FluentBitOutput.openSearch({...})`. */
  readonly output: FluentBitOutput;
  /**
   * The AWS identity the output signs its requests with, e.g. `KubernetesIdentity.eksIrsa(eksCluster)`:
   * an IRSA role with exactly the output's grants. Pods on FlinkEksCluster nodes cannot reach the node
   * role (IMDS hop limit 1), so CloudWatch and SigV4 need it there.
   * @default - none: the AWS SDK's default credentials
   */
  readonly identity?: IKubernetesIdentity;
  /** The container's CPU request and memory (request and limit). @default { cpu: "100m", memory: "256Mi" } */
  readonly resources?: { readonly cpu?: string; readonly memory?: string };
  /** Where the pods may run. Flink's nodes may be tainted, so by default every taint is tolerated. @default [{ operator: "Exists" }] */
  readonly tolerations?: readonly FluentBitToleration[];
  /** @default - none */
  readonly priorityClassName?: string;
}

/** Where a Flink deployment on Kubernetes ships its logs (FlinkLogShipping's `destination`). */
export class LogShipping {
  /** The Amazon CloudWatch Observability EKS add-on, with an IRSA role and log groups that expire. */
  public static cloudWatchObservability(options: CloudWatchObservabilityOptions): LogShipping {
    return new LogShipping("cloudWatchObservability", options, undefined);
  }

  /** A Fluent Bit DaemonSet of this stack, locked down, reading only the given namespaces' logs. */
  public static fluentBit(options: FluentBitOptions): LogShipping {
    return new LogShipping("fluentBit", undefined, options);
  }

  private constructor(
    public readonly kind: "cloudWatchObservability" | "fluentBit",
    public readonly cloudWatchObservability: CloudWatchObservabilityOptions | undefined,
    public readonly fluentBit: FluentBitOptions | undefined,
  ) {}
}
