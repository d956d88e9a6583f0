import { Lb } from "@cdktf/provider-aws/lib/lb";
import { LbListener } from "@cdktf/provider-aws/lib/lb-listener";
import { LbTargetGroup } from "@cdktf/provider-aws/lib/lb-target-group";
import { Route53Record } from "@cdktf/provider-aws/lib/route53-record";
import { SecurityGroup } from "@cdktf/provider-aws/lib/security-group";
import { VpcSecurityGroupEgressRule } from "@cdktf/provider-aws/lib/vpc-security-group-egress-rule";
import { VpcSecurityGroupIngressRule } from "@cdktf/provider-aws/lib/vpc-security-group-ingress-rule";
import { Construct } from "constructs";

/**
 * How the load balancer checks a JobManager's REST API. When no JobManager passes (all of them 503
 * during a leader election), a Network Load Balancer routes to all of them.
 */
export const REST_HEALTH_CHECK = { path: "/config", interval: 10, healthyThreshold: 2, unhealthyThreshold: 2 } as const;

export interface RestLoadBalancerProps {
  readonly name: string;
  readonly vpcId: string;
  readonly subnetIds: readonly string[];
  readonly restPort: number;
  /** The JobManagers' group: opened to the load balancer on the REST port. */
  readonly jobManagerSecurityGroup: SecurityGroup;
  readonly zoneId: string;
  /** The DNS name users reach the REST API at. */
  readonly recordName: string;
  readonly tags: Readonly<Record<string, string>>;
  readonly ruleTags: Readonly<Record<string, string>>;
  /** REST TLS: the health check speaks https, or with mutual TLS only checks the port. @default "none" */
  readonly restTls?: "none" | "https" | "mutual";
}

/**
 * One REST address for several JobManagers: an internal Network Load Balancer over the subnets with a
 * DNS name in the cluster's zone. Every JobManager answers REST (a standby asks the leader), so the
 * health check only asks that Flink's REST API answers; it routes, the Auto Scaling group's EC2 check heals.
 */
export class RestLoadBalancer extends Construct {
  public readonly securityGroup: SecurityGroup;
  public readonly loadBalancer: Lb;
  public readonly targetGroup: LbTargetGroup;

  constructor(scope: Construct, id: string, props: RestLoadBalancerProps) {
    super(scope, id);
    const port = props.restPort;
    this.securityGroup = new SecurityGroup(this, "SecurityGroup", {
      namePrefix: `${props.name}-rest-`,
      description: `Flink ${props.name} REST load balancer`,
      vpcId: props.vpcId,
      tags: props.tags,
      lifecycle: { createBeforeDestroy: true },
    });
    const description = "Flink REST API through the load balancer";
    new VpcSecurityGroupEgressRule(this, "ToJobManagers", { securityGroupId: this.securityGroup.id, referencedSecurityGroupId: props.jobManagerSecurityGroup.id, ipProtocol: "tcp", fromPort: port, toPort: port, description, tags: props.ruleTags });
    new VpcSecurityGroupIngressRule(this, "FromLoadBalancer", { securityGroupId: props.jobManagerSecurityGroup.id, referencedSecurityGroupId: this.securityGroup.id, ipProtocol: "tcp", fromPort: port, toPort: port, description, tags: props.ruleTags });

    this.loadBalancer = new Lb(this, "LoadBalancer", {
      namePrefix: "flink-",
      internal: true,
      loadBalancerType: "network",
      subnets: [...props.subnetIds],
      securityGroups: [this.securityGroup.id],
      enableCrossZoneLoadBalancing: true,
      tags: props.tags,
    });
    this.targetGroup = new LbTargetGroup(this, "JobManagers", {
      namePrefix: "flink-",
      port,
      protocol: "TCP",
      vpcId: props.vpcId,
      targetType: "instance",
      deregistrationDelay: "30",
      // A REST port that wants a client certificate can only be checked open.
      healthCheck:
        props.restTls === "mutual"
          ? { protocol: "TCP", port: "traffic-port", interval: REST_HEALTH_CHECK.interval, healthyThreshold: REST_HEALTH_CHECK.healthyThreshold, unhealthyThreshold: REST_HEALTH_CHECK.unhealthyThreshold }
          : { protocol: props.restTls === "https" ? "HTTPS" : "HTTP", port: "traffic-port", ...REST_HEALTH_CHECK },
      tags: props.tags,
      lifecycle: { createBeforeDestroy: true },
    });
    new LbListener(this, "Listener", { loadBalancerArn: this.loadBalancer.arn, port, protocol: "TCP", defaultAction: [{ type: "forward", targetGroupArn: this.targetGroup.arn }], tags: props.tags });
    new Route53Record(this, "Record", {
      zoneId: props.zoneId,
      name: props.recordName,
      type: "A",
      alias: { name: this.loadBalancer.dnsName, zoneId: this.loadBalancer.zoneId, evaluateTargetHealth: true },
    });
  }
}
