import { AutoscalingGroup } from "@cdktf/provider-aws/lib/autoscaling-group";
import { AutoscalingPolicy } from "@cdktf/provider-aws/lib/autoscaling-policy";
import { Token } from "cdktf";
import { Construct } from "constructs";
import { parseDuration } from "../../config/units";
import { Ec2TaskManagerAutoscaling } from "./ec2-target";

/** The default warmup: Flink's install at boot (Java and the tarball, or the image) and its registration. */
const DEFAULT_INSTANCE_WARMUP = "5 min";

/**
 * Target tracking on the TaskManagers' group: AWS keeps the group's average CPU at the target between
 * its min and max. The policy then owns the desired capacity, so Terraform ignores changes to it after
 * creation (otherwise every apply would reset the group to `desired`).
 */
export function taskManagerScalingPolicy(scope: Construct, clusterName: string, group: AutoscalingGroup, autoscaling: Ec2TaskManagerAutoscaling): AutoscalingPolicy {
  group.lifecycle = { ...group.lifecycle, ignoreChanges: ["desired_capacity"] };
  const warmup = autoscaling.instanceWarmup ?? DEFAULT_INSTANCE_WARMUP;
  return new AutoscalingPolicy(scope, "TaskManagerScaling", {
    name: `${clusterName}-taskmanagers-cpu`,
    autoscalingGroupName: group.name,
    policyType: "TargetTrackingScaling",
    estimatedInstanceWarmup: Token.isUnresolved(warmup) ? Token.asNumber(warmup) : parseDuration(warmup)! / 1000,
    targetTrackingConfiguration: {
      predefinedMetricSpecification: { predefinedMetricType: "ASGAverageCPUUtilization" },
      targetValue: autoscaling.targetCpuUtilization,
      disableScaleIn: autoscaling.disableScaleIn ?? false,
    },
  });
}
