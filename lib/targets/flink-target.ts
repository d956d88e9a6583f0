import { Ec2Target, Ec2TargetProps } from "./ec2/ec2-target";
import { EmrTarget, EmrTargetProps } from "./emr/emr-target";
import { KubernetesTarget, KubernetesTargetProps } from "./kubernetes/kubernetes-target";
import { IFlinkTarget } from "./target";

/** Where a FlinkCluster runs. */
export class FlinkTarget {
  /** A standalone cluster on EC2: a JobManager instance and TaskManagers in an Auto Scaling group. */
  public static ec2(props: Ec2TargetProps): IFlinkTarget {
    return new Ec2Target(props);
  }

  /** A standalone cluster on Kubernetes (any cluster, or EKS), in session or application mode. */
  public static kubernetes(props: KubernetesTargetProps): IFlinkTarget {
    return new KubernetesTarget(props);
  }

  /** Flink on YARN in an Amazon EMR cluster: a YARN session or one job in application mode. */
  public static emr(props: EmrTargetProps): IFlinkTarget {
    return new EmrTarget(props);
  }
}
