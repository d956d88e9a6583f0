import { DefaultSecurityGroup } from "@cdktf/provider-aws/lib/default-security-group";
import { Eip } from "@cdktf/provider-aws/lib/eip";
import { InternetGateway } from "@cdktf/provider-aws/lib/internet-gateway";
import { NatGateway } from "@cdktf/provider-aws/lib/nat-gateway";
import { Route } from "@cdktf/provider-aws/lib/route";
import { RouteTable } from "@cdktf/provider-aws/lib/route-table";
import { RouteTableAssociation } from "@cdktf/provider-aws/lib/route-table-association";
import { Subnet } from "@cdktf/provider-aws/lib/subnet";
import { Vpc } from "@cdktf/provider-aws/lib/vpc";
import { VpcEndpoint } from "@cdktf/provider-aws/lib/vpc-endpoint";
import { Fn, Token } from "cdktf";
import { Construct } from "constructs";
import { Problems } from "../../config/problems";
import { reportUnderCdktfCli } from "../../private/report";
import { parseIpv4Cidr } from "../../private/validate";

export interface FlinkVpcProps {
  /**
   * The VPC's IPv4 CIDR block, a network address with a prefix from /16 to /24. It is cut into 16 equal
   * subnets (/20s of a /16): private subnets take the first slots, in zone order, and the public subnet
   * the last one, so adding a zone later never moves an existing subnet.
   * @default "10.40.0.0/16"
   */
  readonly cidr?: string;
  /**
   * Availability zone names of one region, at least 2, e.g. `["eu-west-1a", "eu-west-1b"]`: one private
   * subnet each. Given rather than looked up so that plans need no AWS credentials. The region (for the
   * S3 endpoint) is the first name without its zone letter.
   * @see https://docs.aws.amazon.com/global-infrastructure/latest/regions/aws-availability-zones.html
   */
  readonly availabilityZones: string[];
  /**
   * Egress to the internet through one NAT gateway in a public subnet of the first zone (for downloads
   * and package installs). One gateway, not one per zone: cheaper, but egress stops if that zone fails.
   * Without it, instances reach only the VPC and S3 (through the gateway endpoint).
   * @default true
   */
  readonly natGateway?: boolean;
  /**
   * Tags for every resource. `Name` is always derived from the construct id (`<id>-private-<zone>`, ...).
   * @default - only the Name tags
   */
  readonly tags?: Record<string, string>;
}

const DEFAULT_CIDR = "10.40.0.0/16";
/** 4 extra bits: 16 subnets, /20s of a /16 and /28s (AWS's smallest) of a /24. */
const SUBNET_NEWBITS = 4;
const SUBNET_SLOTS = 2 ** SUBNET_NEWBITS;
/** A region's standard zone: the region name and one letter. Local and Wavelength zones do not match. */
const ZONE_NAME = /^([a-z]{2}(?:-[a-z]+)+-\d+)([a-z])$/;

/**
 * A small VPC for Flink clusters on EC2 in private subnets, for examples and teams without a network:
 * one private subnet per zone, optionally a NAT gateway for egress, an S3 gateway endpoint so checkpoint
 * and savepoint traffic bypasses the NAT, and the default security group emptied. Makes no data-source
 * look-ups, so plans run offline.
 */
export class FlinkVpc extends Construct {
  public readonly vpc!: Vpc;
  public readonly vpcId!: string;
  /** The VPC's CIDR block, e.g. for security group rules that admit the whole VPC. */
  public readonly cidrBlock!: string;
  /** The region the zones belong to (a token when the first zone is one). */
  public readonly region!: string;
  public readonly availabilityZones!: string[];
  /** One per zone, in the order of `availabilityZones`. */
  public readonly privateSubnets!: Subnet[];
  public readonly privateSubnetIds!: string[];
  /** The private subnets' CIDR blocks, in zone order. */
  public readonly privateSubnetCidrs!: string[];
  /** The NAT gateway's subnet; empty without `natGateway`. */
  public readonly publicSubnets!: Subnet[];
  public readonly publicSubnetIds!: string[];
  /** Shared by all private subnets: with one NAT gateway there is one route out. */
  public readonly privateRouteTable!: RouteTable;
  public readonly publicRouteTable?: RouteTable;
  public readonly internetGateway?: InternetGateway;
  public readonly natGatewayEip?: Eip;
  public readonly natGateway?: NatGateway;
  public readonly s3Endpoint!: VpcEndpoint;
  public readonly defaultSecurityGroup!: DefaultSecurityGroup;

  constructor(scope: Construct, id: string, props: FlinkVpcProps) {
    super(scope, id);
    // Under the cdktf CLI a refused construct is an error annotation (see reportUnderCdktfCli).
    try {
      const cidr = props.cidr ?? DEFAULT_CIDR;
      const zones = props.availabilityZones;
      const withNat = props.natGateway ?? true;

      const problems = new Problems();
      const network = checkCidr(cidr, problems);
      const region = checkZones(zones, problems);
      // Private subnets fill slots from the start, the public subnet takes the last slot.
      const slotsNeeded = zones.length + (withNat ? 1 : 0);
      if (!Token.isUnresolved(zones) && slotsNeeded > SUBNET_SLOTS) {
        problems.error(
          "availabilityZones",
          zones,
          `needs ${slotsNeeded} subnets (${zones.length} private${withNat ? " and 1 public" : ""}), more than the ${SUBNET_SLOTS} the CIDR is cut into`,
          `use at most ${SUBNET_SLOTS - (withNat ? 1 : 0)} zones; 2 or 3 are enough for Flink.`,
        );
      }
      problems.throwIfErrors(`FlinkVpc "${this.node.path}":`);

      const userTags = props.tags ?? {};
      const tags = (name: string): Record<string, string> => ({ ...userTags, Name: `${id}-${name}` });
      const subnetCidr = (slot: number): string =>
        network ? formatCidr(network.address + slot * 2 ** (32 - network.prefix - SUBNET_NEWBITS), network.prefix + SUBNET_NEWBITS) : Fn.cidrsubnet(cidr, SUBNET_NEWBITS, slot);

      this.availabilityZones = [...zones];
      // A token zone: let Terraform strip the zone letter.
      this.region = region ?? Fn.replace(zones[0], "/[a-z]$/", "");
      this.vpc = new Vpc(this, "vpc", {
        cidrBlock: cidr,
        // Route53 private hosted zones (JobManager discovery) resolve only with both on.
        enableDnsSupport: true,
        enableDnsHostnames: true,
        tags: { ...userTags, Name: id },
      });
      this.vpcId = this.vpc.id;
      this.cidrBlock = this.vpc.cidrBlock;

      // AWS's default group admits all traffic among its members; anything placed in it by mistake stays isolated.
      this.defaultSecurityGroup = new DefaultSecurityGroup(this, "default-security-group", {
        vpcId: this.vpc.id,
        ingress: [],
        egress: [],
        tags: tags("default"),
      });

      this.privateRouteTable = new RouteTable(this, "private-route-table", { vpcId: this.vpc.id, tags: tags("private") });
      this.privateSubnetCidrs = zones.map((_, i) => subnetCidr(i));
      this.privateSubnets = zones.map((zone, i) => {
        const subnet = new Subnet(this, `private-subnet-${i}`, {
          vpcId: this.vpc.id,
          availabilityZone: zone,
          cidrBlock: this.privateSubnetCidrs[i],
          mapPublicIpOnLaunch: false,
          tags: tags(`private-${zone}`),
        });
        new RouteTableAssociation(this, `private-route-table-association-${i}`, {
          subnetId: subnet.id,
          routeTableId: this.privateRouteTable.id,
        });
        return subnet;
      });
      this.privateSubnetIds = this.privateSubnets.map((subnet) => subnet.id);

      this.publicSubnets = [];
      if (withNat) {
        const igw = new InternetGateway(this, "internet-gateway", { vpcId: this.vpc.id, tags: tags("igw") });
        const publicSubnet = new Subnet(this, "public-subnet-0", {
          vpcId: this.vpc.id,
          availabilityZone: zones[0],
          cidrBlock: subnetCidr(SUBNET_SLOTS - 1),
          // Only the NAT gateway lives here, and it has its own EIP.
          mapPublicIpOnLaunch: false,
          tags: tags(`public-${zones[0]}`),
        });
        const publicRouteTable = new RouteTable(this, "public-route-table", { vpcId: this.vpc.id, tags: tags("public") });
        new Route(this, "public-default-route", {
          routeTableId: publicRouteTable.id,
          destinationCidrBlock: "0.0.0.0/0",
          gatewayId: igw.id,
        });
        new RouteTableAssociation(this, "public-route-table-association-0", {
          subnetId: publicSubnet.id,
          routeTableId: publicRouteTable.id,
        });
        // The NAT gateway and its EIP need the internet gateway attached first; Terraform does not infer it.
        const eip = new Eip(this, "nat-eip", { domain: "vpc", tags: tags("nat"), dependsOn: [igw] });
        const nat = new NatGateway(this, "nat-gateway", {
          allocationId: eip.allocationId,
          subnetId: publicSubnet.id,
          tags: tags("nat"),
          dependsOn: [igw],
        });
        new Route(this, "private-default-route", {
          routeTableId: this.privateRouteTable.id,
          destinationCidrBlock: "0.0.0.0/0",
          natGatewayId: nat.id,
        });
        this.internetGateway = igw;
        this.publicSubnets.push(publicSubnet);
        this.publicRouteTable = publicRouteTable;
        this.natGatewayEip = eip;
        this.natGateway = nat;
      }
      this.publicSubnetIds = this.publicSubnets.map((subnet) => subnet.id);

      // Checkpoints and savepoints go to S3 directly: no NAT data charges, and it works without a NAT.
      this.s3Endpoint = new VpcEndpoint(this, "s3-endpoint", {
        vpcId: this.vpc.id,
        serviceName: `com.amazonaws.${this.region}.s3`,
        vpcEndpointType: "Gateway",
        routeTableIds: [this.privateRouteTable.id],
        tags: tags("s3"),
      });
    } catch (error) {
      reportUnderCdktfCli(this, error);
    }
  }
}

interface Ipv4Network {
  /** The network address as an unsigned 32-bit number. */
  readonly address: number;
  readonly prefix: number;
}

/** Returns the parsed network, or undefined for a token or a bad value (reported). */
function checkCidr(cidr: string, problems: Problems): Ipv4Network | undefined {
  if (Token.isUnresolved(cidr)) return undefined;
  const fix = `use a network address with a prefix from /16 to /24, such as "${DEFAULT_CIDR}".`;
  const parsed = parseIpv4Cidr(cidr);
  if (!parsed) {
    problems.error("cidr", cidr, "must be an IPv4 CIDR block such as 10.40.0.0/16", fix);
    return undefined;
  }
  const { octets, prefix } = parsed;
  const address = ((octets[0] << 24) | (octets[1] << 16) | (octets[2] << 8) | octets[3]) >>> 0;
  if (prefix < 16 || prefix > 24) {
    // A VPC allows /16 to /28; below /24 the 16 subnets would be smaller than AWS's /28 minimum.
    problems.error("cidr", cidr, `must have a prefix from /16 to /24, not /${prefix}`, fix);
    return undefined;
  }
  const network = address - (address % 2 ** (32 - prefix));
  if (network !== address) {
    problems.error("cidr", cidr, "must be a network address (host bits zero), as AWS requires", `use "${formatCidr(network, prefix)}".`);
    return undefined;
  }
  return { address, prefix };
}

/** Returns the zones' region, or undefined when it is not known at synth time or a zone is bad (reported). */
function checkZones(zones: string[], problems: Problems): string | undefined {
  const example = 'e.g. ["eu-west-1a", "eu-west-1b"]';
  if (Token.isUnresolved(zones)) {
    problems.error("availabilityZones", zones, "must be a list whose length is known at synth time, since one subnet is made per zone", `list the zone names, ${example}.`);
    return undefined;
  }
  if (zones.length < 2) {
    problems.error("availabilityZones", zones, `must name at least 2 zones, not ${zones.length}`, `add a second zone of the same region, ${example}.`);
  }
  const seen = new Map<string, number>();
  const regions = new Map<string, number>();
  zones.forEach((zone, i) => {
    if (Token.isUnresolved(zone)) return;
    const property = `availabilityZones[${i}]`;
    const match = ZONE_NAME.exec(zone);
    if (!match) {
      problems.error(property, zone, "must be a standard availability zone name: a region and one letter", `use a name such as "eu-west-1a", not a zone ID ("euw1-az1") or a Local or Wavelength Zone.`);
      return;
    }
    const first = seen.get(zone);
    if (first !== undefined) {
      problems.error(property, zone, `repeats availabilityZones[${first}]`, "list each zone once.");
    } else {
      seen.set(zone, i);
    }
    if (!regions.has(match[1])) regions.set(match[1], i);
  });
  if (regions.size > 1) {
    const listed = [...regions].map(([region, i]) => `${region} (availabilityZones[${i}])`).join(", ");
    problems.error("availabilityZones", zones, `must all be in one region, but span ${listed}`, "a VPC lies in one region; list zones of that region only.");
  }
  if (zones.length === 0 || Token.isUnresolved(zones[0])) return undefined;
  return ZONE_NAME.exec(zones[0])?.[1];
}

function formatCidr(address: number, prefix: number): string {
  return `${address >>> 24}.${(address >>> 16) & 255}.${(address >>> 8) & 255}.${address & 255}/${prefix}`;
}
