export {
  FlinkEksCluster,
  FlinkEksClusterProps,
  FlinkEksClusterAttributes,
  IFlinkEksCluster,
  FlinkEksEndpointAccess,
  FlinkEksNodeGroupProps,
  FlinkEksNodeTaint,
  FlinkEksAccessEntry,
  FlinkEksAccessPolicy,
  EksAmiType,
  EksControlPlaneLogType,
  EksTaintEffect,
} from "./flink-eks-cluster";
export { FlinkIrsaRole, FlinkIrsaRoleProps } from "./irsa-role";
export { eksKubernetesProvider, EksKubernetesProviderOptions } from "./kubernetes-provider";
export { EksIrsaIdentity, KubernetesIdentity } from "./irsa-identity";
