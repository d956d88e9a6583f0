import { EbsVolume } from "@cdktf/provider-aws/lib/ebs-volume";
import { IamInstanceProfile } from "@cdktf/provider-aws/lib/iam-instance-profile";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicyAttachment } from "@cdktf/provider-aws/lib/iam-role-policy-attachment";
import { Instance } from "@cdktf/provider-aws/lib/instance";
import { NetworkInterface } from "@cdktf/provider-aws/lib/network-interface";
import { Route53Record } from "@cdktf/provider-aws/lib/route53-record";
import { Route53Zone } from "@cdktf/provider-aws/lib/route53-zone";
import { SecurityGroup } from "@cdktf/provider-aws/lib/security-group";
import { VolumeAttachment } from "@cdktf/provider-aws/lib/volume-attachment";
import { VpcSecurityGroupEgressRule } from "@cdktf/provider-aws/lib/vpc-security-group-egress-rule";
import { VpcSecurityGroupIngressRule } from "@cdktf/provider-aws/lib/vpc-security-group-ingress-rule";
import { Annotations, Fn, TerraformLocal } from "cdktf";
import { Construct } from "constructs";
import { stringify } from "yaml";
import { Problems } from "../config/problems";
import { iamPolicyDocument } from "../private/iam";
import { escapeTerraformTemplate } from "../private/terraform-text";
import { systemUserCommands, verifiedTarballCommands } from "../private/install-commands";
import { isKmsKeyArn } from "../private/validate";
import { shellQuote } from "../targets/flink-process";
import { USER_DATA_LIMIT } from "../targets/ec2/cloud-init";
import type { ZooKeeperEnsemble, ZooKeeperServersInput } from "./zookeeper-ensemble";
import { ZOOKEEPER_DATA_DIR, ZOOKEEPER_DATA_LOG_DIR, isKnown } from "./zookeeper-ensemble";

/** A subnet and its availability zone: each server's data volume is created in its subnet's zone. */
export interface ZooKeeperSubnet {
  readonly subnetId: string;
  /** e.g. "eu-west-1a"; for FlinkVpc, `availabilityZones[i]` belongs to `privateSubnetIds[i]`. */
  readonly availabilityZone: string;
}

export interface ZooKeeperEc2Placement {
  readonly vpcId: string;
  /** Private subnets, ideally one per zone: server N runs in subnet (N-1) mod count. */
  readonly subnets: readonly ZooKeeperSubnet[];
  /** An Amazon Linux 2023 AMI. */
  readonly amiId: string;
  /** @default "m6i.large" */
  readonly instanceType?: string;
  /** The ZooKeeper release, downloaded over https and checked against its SHA-512. */
  readonly release: string;
  /** The SHA-512 of the binary tarball (the `.sha512` file beside it). */
  readonly sha512: string;
  /** @default - the Apache archive: https://archive.apache.org/dist/zookeeper/zookeeper-<release>/apache-zookeeper-<release>-bin.tar.gz */
  readonly url?: string;
  /** Size of each server's encrypted data volume (gp3) in GiB; it outlives the instance. @default 20 */
  readonly dataVolumeSize?: number;
  /** A KMS key for the volumes. @default - the account's default EBS key */
  readonly ebsKmsKeyArn?: string;
  /** The private DNS zone that names the servers zk-1, zk-2, ... @default "<name>.zookeeper.internal" */
  readonly dnsZoneName?: string;
  /** @default - none: operators use SSM Session Manager */
  readonly keyPairName?: string;
  /** @default "aws" */
  readonly partition?: string;
}

const CONF_DIR = "/etc/zookeeper";
const DATA_VOLUME_MOUNT = "/var/lib/zookeeper";
const ZOOKEEPER_UID = 2181;

/**
 * The EC2 resources of an ensemble: per server a network interface with a DNS name, an encrypted data
 * volume and an instance; one security group that opens the peer and election ports among the servers
 * only (each bound cluster opens the client port to itself), and a role with SSM access only.
 */
export class ZooKeeperEc2Servers extends Construct {
  /** The servers' DNS names, in myid order. */
  public static addresses(ensemble: ZooKeeperEnsemble, placement: ZooKeeperEc2Placement): string[] {
    const zone = placement.dnsZoneName ?? `${ensemble.name}.zookeeper.internal`;
    return Array.from({ length: ensemble.servers }, (_, i) => `zk-${i + 1}.${zone}`);
  }

  public readonly securityGroup: SecurityGroup;
  public readonly zone: Route53Zone;
  public readonly instances: Instance[] = [];
  public readonly dataVolumes: EbsVolume[] = [];
  /** Each server's user data, in myid order. */
  public readonly userData: string[] = [];

  constructor(scope: ZooKeeperEnsemble, id: string, props: ZooKeeperServersInput & { placement: ZooKeeperEc2Placement }) {
    super(scope, id);
    const { ensemble, placement: p } = props;
    const name = ensemble.name;
    check(ensemble, p);
    const tags = (suffix: string) => ({ Name: `${name}-${suffix}`, ...ensemble.tags });
    const ports = ensemble.ports;

    this.securityGroup = new SecurityGroup(this, "SecurityGroup", {
      namePrefix: `${name}-zookeeper-`,
      description: `ZooKeeper ${name}`,
      vpcId: p.vpcId,
      tags: tags("zookeeper"),
      lifecycle: { createBeforeDestroy: true },
    });
    const group = this.securityGroup.id;
    const ruleTags = tags("rule");
    for (const [rule, port, description] of [["Peer", ports.peer, "ZooKeeper followers to leader"], ["Election", ports.election, "ZooKeeper leader election"]] as const) {
      new VpcSecurityGroupIngressRule(this, `${rule}Ingress`, { securityGroupId: group, referencedSecurityGroupId: group, ipProtocol: "tcp", fromPort: port, toPort: port, description, tags: ruleTags });
      new VpcSecurityGroupEgressRule(this, `${rule}Egress`, { securityGroupId: group, referencedSecurityGroupId: group, ipProtocol: "tcp", fromPort: port, toPort: port, description, tags: ruleTags });
    }
    new VpcSecurityGroupEgressRule(this, "HttpsEgress", { securityGroupId: group, cidrIpv4: "0.0.0.0/0", ipProtocol: "tcp", fromPort: 443, toPort: 443, description: "https: downloads, SSM", tags: ruleTags });

    const partition = p.partition ?? "aws";
    const role = new IamRole(this, "Role", {
      namePrefix: `${name}-zk-`,
      assumeRolePolicy: iamPolicyDocument([{ sid: "Ec2AssumeRole", actions: ["sts:AssumeRole"], principals: { Service: "ec2.amazonaws.com" } }]),
      tags: tags("role"),
    });
    new IamRolePolicyAttachment(this, "Ssm", { role: role.name, policyArn: `arn:${partition}:iam::aws:policy/AmazonSSMManagedInstanceCore` });
    const profile = new IamInstanceProfile(this, "InstanceProfile", { namePrefix: `${name}-zk-`, role: role.name, tags: tags("profile") });

    const addresses = ZooKeeperEc2Servers.addresses(ensemble, p);
    this.zone = new Route53Zone(this, "Zone", { name: addresses[0].replace(/^zk-1\./, ""), vpc: [{ vpcId: p.vpcId }], comment: `ZooKeeper ${name}`, tags: tags("zone") });
    const url = p.url ?? `https://archive.apache.org/dist/zookeeper/zookeeper-${p.release}/apache-zookeeper-${p.release}-bin.tar.gz`;

    addresses.forEach((address, i) => {
      const server = i + 1;
      const subnet = p.subnets[i % p.subnets.length];
      const serverTags = tags(`zk-${server}`);
      const networkInterface = new NetworkInterface(this, `Interface${server}`, { subnetId: subnet.subnetId, securityGroups: [group], description: `ZooKeeper ${name} server ${server}`, tags: serverTags });
      new Route53Record(this, `Record${server}`, { zoneId: this.zone.zoneId, name: address, type: "A", ttl: 60, records: [networkInterface.privateIp] });
      // The data outlives the instance: a replaced server comes back with its snapshots and transaction log.
      const volume = new EbsVolume(this, `Data${server}`, {
        availabilityZone: subnet.availabilityZone,
        size: p.dataVolumeSize ?? 20,
        type: "gp3",
        encrypted: true,
        kmsKeyId: p.ebsKmsKeyArn,
        tags: serverTags,
      });
      const userData = renderServerUserData({ zooCfg: props.zooCfg, myid: props.myids[String(server)], volumeId: volume.id, url, sha512: p.sha512, heap: ensemble.heap, release: p.release });
      if (Buffer.byteLength(userData) > USER_DATA_LIMIT) throw new Error(`ZooKeeperEnsemble "${ensemble.node.path}": server ${server}'s user data is over EC2's ${USER_DATA_LIMIT} bytes.`);
      const instance = new Instance(this, `Server${server}`, {
        ami: p.amiId,
        instanceType: p.instanceType ?? "m6i.large",
        iamInstanceProfile: profile.name,
        keyName: p.keyPairName,
        networkInterface: [{ networkInterfaceId: networkInterface.id, deviceIndex: 0 }],
        userDataBase64: Fn.base64encode(new TerraformLocal(this, `server_${server}_user_data`, escapeTerraformTemplate(userData)).asString),
        metadataOptions: { httpTokens: "required", httpEndpoint: "enabled", httpPutResponseHopLimit: 1 },
        rootBlockDevice: { volumeSize: 16, volumeType: "gp3", encrypted: true, kmsKeyId: p.ebsKmsKeyArn, deleteOnTermination: true },
        monitoring: true,
        // A changed zoo.cfg or AMI must not replace every server at once (the quorum would be lost):
        // roll them one at a time with `terraform apply -replace` (README, "FlinkHA").
        lifecycle: { ignoreChanges: ["user_data_base64", "ami"] },
        tags: serverTags,
        volumeTags: serverTags,
      });
      // Stopping first lets a replaced server's mounted volume detach cleanly.
      new VolumeAttachment(this, `DataAttachment${server}`, { deviceName: "/dev/sdf", volumeId: volume.id, instanceId: instance.id, stopInstanceBeforeDetaching: true });
      this.instances.push(instance);
      this.dataVolumes.push(volume);
      this.userData.push(userData);
    });
  }

  /** Bound clusters open the client port from their own security groups to this one. */
  public clientAccess(): { securityGroupId: string } {
    return { securityGroupId: this.securityGroup.id };
  }
}

function check(ensemble: ZooKeeperEnsemble, p: ZooKeeperEc2Placement): void {
  const problems = new Problems();
  const prop = (name: string) => `placement.${name}`;
  if (isKnown(p.subnets) && p.subnets.length === 0) problems.error(prop("subnets"), p.subnets, "must list at least one subnet", "give private subnets, one per availability zone.");
  for (const [property, value, kind] of [[prop("vpcId"), p.vpcId, "vpc"], [prop("amiId"), p.amiId, "ami"], ...p.subnets.map((s, i) => [prop(`subnets[${i}].subnetId`), s.subnetId, "subnet"])] as const) {
    if (isKnown(value) && !new RegExp(`^${kind}-[0-9a-f]{8}([0-9a-f]{9})?$`).test(value)) problems.error(property, value, `must be an AWS ${kind} id such as ${kind}-0123456789abcdef0`, "pass the resource's id.");
  }
  p.subnets.forEach((s, i) => {
    if (isKnown(s.availabilityZone) && !/^[a-z]{2}(-[a-z]+)+-\d[a-z]$/.test(s.availabilityZone)) problems.error(prop(`subnets[${i}].availabilityZone`), s.availabilityZone, "must be an availability zone name such as eu-west-1a", "give the subnet's zone.");
  });
  if (isKnown(p.release) && !/^3\.(8|9)\.\d+$/.test(p.release)) problems.error(prop("release"), p.release, "must be a ZooKeeper 3.8.x or 3.9.x release", 'use a supported release such as "3.8.4".');
  if (isKnown(p.sha512) && !/^[0-9a-f]{128}$/i.test(p.sha512)) problems.error(prop("sha512"), p.sha512, "must be the 128 hex digits of the tarball's SHA-512", "copy it from the .sha512 file published beside the tarball.");
  if (isKnown(p.url) && !/^https:\/\/\S+$/.test(p.url!)) problems.error(prop("url"), p.url, "must be an https URL", "download ZooKeeper over https; servers only allow outbound 443.");
  if (p.dataVolumeSize !== undefined && !(Number.isInteger(p.dataVolumeSize) && p.dataVolumeSize >= 1)) problems.error(prop("dataVolumeSize"), p.dataVolumeSize, "must be a whole number of GiB >= 1", "use 20 (the default) or more.");
  if (p.ebsKmsKeyArn !== undefined && isKnown(p.ebsKmsKeyArn) && !isKmsKeyArn(p.ebsKmsKeyArn)) problems.error(prop("ebsKmsKeyArn"), p.ebsKmsKeyArn, "must be a KMS key ARN", "give arn:aws:kms:<region>:<account>:key/<id>.");
  problems.throwIfErrors(`ZooKeeperEnsemble "${ensemble.node.path}":`);
  if (isKnown(p.subnets) && p.subnets.length < Math.min(3, ensemble.servers)) {
    Annotations.of(ensemble).addWarning(
      `[flink:zookeeper-zones] placement.subnets has ${p.subnets.length} subnet(s) for ${ensemble.servers} servers: one zone's outage can take the majority with it. Give three subnets in three zones.`,
    );
  }
}

interface ServerSetup {
  readonly zooCfg: string;
  readonly myid: string;
  readonly volumeId: string;
  readonly url: string;
  readonly sha512: string;
  readonly heap: string;
  readonly release: string;
}

/** The cloud-config of one server: zoo.cfg and myid, an install script, and a systemd unit. */
function renderServerUserData(s: ServerSetup): string {
  const install = [
    "#!/bin/bash",
    "# Installs ZooKeeper for cdktf-flink; runs once, at first boot.",
    "set -euo pipefail",
    "dnf install -y java-17-amazon-corretto-headless xfsprogs",
    ...systemUserCommands("zookeeper", ZOOKEEPER_UID, DATA_VOLUME_MOUNT),
    // The data volume: NVMe on Nitro instances (named by its volume id), xvdf on others.
    `volume=$(echo ${shellQuote(s.volumeId)} | tr -d -)`,
    "device=",
    'for attempt in $(seq 1 60); do for candidate in "/dev/disk/by-id/nvme-Amazon_Elastic_Block_Store_${volume}" /dev/xvdf /dev/sdf; do if [ -e "$candidate" ]; then device=$(readlink -f "$candidate"); break 2; fi; done; sleep 5; done',
    '[ -n "$device" ] || { echo "data volume not attached" >&2; exit 1; }',
    'blkid "$device" >/dev/null || mkfs.xfs "$device"',
    `mkdir -p ${DATA_VOLUME_MOUNT}`,
    `echo "UUID=$(blkid -s UUID -o value "$device") ${DATA_VOLUME_MOUNT} xfs defaults,nofail 0 2" >> /etc/fstab`,
    `mount ${DATA_VOLUME_MOUNT}`,
    `mkdir -p ${ZOOKEEPER_DATA_DIR} ${ZOOKEEPER_DATA_LOG_DIR} /var/log/zookeeper`,
    `cp ${CONF_DIR}/myid ${ZOOKEEPER_DATA_DIR}/myid`,
    `chown -R zookeeper:zookeeper ${DATA_VOLUME_MOUNT} /var/log/zookeeper`,
    ...verifiedTarballCommands(s.url, s.sha512, "zookeeper.tgz", `/opt/zookeeper-${s.release}`),
    `ln -sfn /opt/zookeeper-${s.release} /opt/zookeeper`,
  ].join("\n") + "\n";
  const unit = [
    "[Unit]",
    "Description=Apache ZooKeeper (cdktf-flink)",
    "After=network-online.target",
    "Wants=network-online.target",
    // The fstab entry is nofail: never start on the root volume instead of the data volume.
    `RequiresMountsFor=${DATA_VOLUME_MOUNT}`,
    "",
    "[Service]",
    "User=zookeeper",
    "Group=zookeeper",
    "Environment=ZOO_LOG_DIR=/var/log/zookeeper",
    `Environment="SERVER_JVMFLAGS=-Xms${s.heap} -Xmx${s.heap}"`,
    `ExecStart=/opt/zookeeper/bin/zkServer.sh start-foreground ${CONF_DIR}/zoo.cfg`,
    "Restart=on-failure",
    "RestartSec=10",
    "",
    "[Install]",
    "WantedBy=multi-user.target",
    "",
  ].join("\n");
  const config = {
    write_files: [
      { path: `${CONF_DIR}/myid`, permissions: "0644", content: s.myid },
      { path: `${CONF_DIR}/zoo.cfg`, permissions: "0644", content: s.zooCfg },
      { path: "/usr/local/sbin/zookeeper-install.sh", permissions: "0755", content: install },
      { path: "/etc/systemd/system/zookeeper.service", permissions: "0644", content: unit },
    ],
    runcmd: [["sh", "-c", "/usr/local/sbin/zookeeper-install.sh && systemctl daemon-reload && systemctl enable --now zookeeper.service"]],
  };
  return "#cloud-config\n" + stringify(config, { lineWidth: 0 });
}
