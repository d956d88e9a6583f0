import { Construct } from "constructs";
import { IamStatement } from "../../cluster-feature";
import { IKubernetesIdentity, ServiceAccountRef } from "../kubernetes/identity";
import { IFlinkEksCluster } from "./flink-eks-cluster";
import { FlinkIrsaRole } from "./irsa-role";

/** IAM roles for service accounts: the cluster's ServiceAccount assumes a role with exactly its grants. */
export class EksIrsaIdentity implements IKubernetesIdentity {
  constructor(private readonly cluster: IFlinkEksCluster) {}

  public grant(scope: Construct, serviceAccount: ServiceAccountRef, statements: readonly IamStatement[]): Readonly<Record<string, string>> {
    const role = new FlinkIrsaRole(scope, "IrsaRole", {
      cluster: this.cluster,
      namespace: serviceAccount.namespace,
      serviceAccount: serviceAccount.name,
      statements,
    });
    return { "eks.amazonaws.com/role-arn": role.roleArn };
  }
}

/** Cloud identities for a Kubernetes cluster's ServiceAccount. */
export class KubernetesIdentity {
  /** IRSA on EKS: an IAM role only this cluster's ServiceAccount can assume, carrying the storage grants. */
  public static eksIrsa(cluster: IFlinkEksCluster): IKubernetesIdentity {
    return new EksIrsaIdentity(cluster);
  }
}
