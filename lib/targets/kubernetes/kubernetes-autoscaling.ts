import { DeploymentV1 } from "@cdktf/provider-kubernetes/lib/deployment-v1";
import { HorizontalPodAutoscalerV2 } from "@cdktf/provider-kubernetes/lib/horizontal-pod-autoscaler-v2";
import { StatefulSetV1 } from "@cdktf/provider-kubernetes/lib/stateful-set-v1";
import { Token } from "cdktf";
import { Construct } from "constructs";
import { parseDuration } from "../../config/units";
import { KubernetesTaskManagerAutoscaling } from "./kubernetes-target";

/** Kubernetes' own defaults (HorizontalPodAutoscalerBehavior), written out so a plan shows them. */
const DEFAULT_SCALE_DOWN_WINDOW = "5 min";
const DEFAULT_SCALE_UP_WINDOW = "0 s";

const seconds = (text: string): number => (Token.isUnresolved(text) ? Token.asNumber(text) : parseDuration(text)! / 1000);

/**
 * A HorizontalPodAutoscaler (autoscaling/v2) of the TaskManagers on their average CPU. The autoscaler
 * owns the replica count from then on: Terraform ignores changes to `spec[0].replicas` of the workload,
 * which would otherwise reset it to `replicas` on every apply.
 */
export function taskManagerAutoscaler(
  scope: Construct,
  workload: DeploymentV1 | StatefulSetV1,
  metadata: { readonly name: string; readonly namespace: string; readonly labels: Record<string, string>; readonly annotations?: Record<string, string> },
  autoscaling: KubernetesTaskManagerAutoscaling,
): HorizontalPodAutoscalerV2 {
  workload.lifecycle = { ...workload.lifecycle, ignoreChanges: ["spec[0].replicas"] };
  return new HorizontalPodAutoscalerV2(scope, "TaskManagerAutoscaler", {
    metadata,
    spec: {
      minReplicas: autoscaling.minReplicas,
      maxReplicas: autoscaling.maxReplicas,
      scaleTargetRef: { apiVersion: "apps/v1", kind: workload instanceof StatefulSetV1 ? "StatefulSet" : "Deployment", name: workload.metadata.name },
      metric: [{ type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: autoscaling.targetCpuUtilization } } }],
      behavior: {
        // Kubernetes' default policies; the windows are the cooldowns.
        scaleDown: [{ stabilizationWindowSeconds: seconds(autoscaling.scaleDownStabilization ?? DEFAULT_SCALE_DOWN_WINDOW), selectPolicy: "Max", policy: [{ type: "Percent", value: 100, periodSeconds: 15 }] }],
        scaleUp: [
          {
            stabilizationWindowSeconds: seconds(autoscaling.scaleUpStabilization ?? DEFAULT_SCALE_UP_WINDOW),
            selectPolicy: "Max",
            policy: [
              { type: "Percent", value: 100, periodSeconds: 15 },
              { type: "Pods", value: 4, periodSeconds: 15 },
            ],
          },
        ],
      },
    },
  });
}
