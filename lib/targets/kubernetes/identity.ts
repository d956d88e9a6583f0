import { Construct } from "constructs";
import { IamStatement } from "../../cluster-feature";

/** The Kubernetes ServiceAccount a cluster's pods run as. */
export interface ServiceAccountRef {
  readonly namespace: string;
  readonly name: string;
}

/**
 * A cloud identity for a cluster's ServiceAccount, such as an IAM role assumed through IRSA on EKS:
 * it receives the grants the cluster's features need (storage) and returns the ServiceAccount's
 * annotations that bind the two.
 */
export interface IKubernetesIdentity {
  grant(scope: Construct, serviceAccount: ServiceAccountRef, statements: readonly IamStatement[]): Readonly<Record<string, string>>;
}
