import { KubernetesProvider } from "@cdktf/provider-kubernetes/lib/provider";
import { Fn } from "cdktf";
import { Construct } from "constructs";
import { IFlinkEksCluster } from "./flink-eks-cluster";

export interface EksKubernetesProviderOptions {
  /** The cluster's region, passed to `aws eks get-token`. @default - the AWS CLI's own region setting */
  readonly region?: string;
  /** The provider's alias, when a stack talks to more than one cluster. @default - the default provider */
  readonly alias?: string;
}

/**
 * A Kubernetes provider for an EKS cluster that authenticates as the identity running Terraform.
 *
 * The token comes from `aws eks get-token`, run by the provider whenever it needs one, rather than from
 * the aws_eks_cluster_auth data source: that token is fetched once per run and expires after 15 minutes,
 * so a long apply (node groups, rolling a Deployment) fails half-way with "Unauthorized". It also needs
 * no data source, so the stack synthesizes without AWS. The AWS CLI must be on the machine running Terraform.
 */
export function eksKubernetesProvider(scope: Construct, id: string, cluster: IFlinkEksCluster, options: EksKubernetesProviderOptions = {}): KubernetesProvider {
  const args = ["eks", "get-token", "--cluster-name", cluster.name];
  if (options.region !== undefined) args.push("--region", options.region);
  // The provider reads JSON; a user's `output = text` CLI setting would otherwise break authentication.
  args.push("--output", "json");
  return new KubernetesProvider(scope, id, {
    alias: options.alias,
    host: cluster.endpoint,
    clusterCaCertificate: Fn.base64decode(cluster.certificateAuthorityData),
    exec: [{ apiVersion: "client.authentication.k8s.io/v1beta1", command: "aws", args }],
  });
}
