import "cdktf/lib/testing/adapters/jest";
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
import { TerraformOutput, TerraformResource, TerraformStack, TerraformVariable, Testing, Token } from "cdktf";
import { FlinkConfigError } from "../lib/config/problems";
import { FlinkVpc, FlinkVpcProps } from "../lib/targets/ec2/flink-vpc";

const ZONES = ["eu-west-1a", "eu-west-1b"];

function build(props: Partial<FlinkVpcProps> = {}): { net: FlinkVpc; synth: string } {
  const stack = new TerraformStack(Testing.app(), "prod");
  const net = new FlinkVpc(stack, "net", { availabilityZones: ZONES, ...props });
  // Outputs show what the id fields render to: each `.id` read is a fresh token, so compare after synth.
  new TerraformOutput(stack, "vpc-id", { value: net.vpcId });
  new TerraformOutput(stack, "private-subnet-ids", { value: net.privateSubnetIds });
  new TerraformOutput(stack, "public-subnet-ids", { value: net.publicSubnetIds });
  return { net, synth: Testing.synth(stack) };
}

/** The synthesized resources of one Terraform type, by logical id. */
function resources(synth: string, type: string): Record<string, Record<string, unknown>> {
  return JSON.parse(synth).resource?.[type] ?? {};
}

/** The `${...}` expression a reference to a resource's attribute renders to. */
function ref(resource: TerraformResource, attribute = "id"): string {
  return `\${${resource.terraformResourceType}.${resource.friendlyUniqueId}.${attribute}}`;
}

function output(synth: string, id: string): unknown {
  return JSON.parse(synth).output[id].value;
}

function errorOf(make: () => unknown): FlinkConfigError {
  try {
    make();
  } catch (e) {
    if (e instanceof FlinkConfigError) return e;
    throw e;
  }
  throw new Error("expected a FlinkConfigError");
}

describe("FlinkVpc", () => {
  describe("with the defaults", () => {
    const { net, synth } = build({ tags: { team: "data" } });

    test("a VPC with DNS support and hostnames on", () => {
      expect(synth).toHaveResourceWithProperties(Vpc, {
        cidr_block: "10.40.0.0/16",
        enable_dns_support: true,
        enable_dns_hostnames: true,
        tags: { Name: "net", team: "data" },
      });
      expect(output(synth, "vpc-id")).toBe(ref(net.vpc));
    });

    test("one private /20 per zone, in zone order, with no public IPs", () => {
      expect(net.privateSubnetCidrs).toEqual(["10.40.0.0/20", "10.40.16.0/20"]);
      ZONES.forEach((zone, i) => {
        expect(synth).toHaveResourceWithProperties(Subnet, {
          availability_zone: zone,
          cidr_block: net.privateSubnetCidrs[i],
          map_public_ip_on_launch: false,
          vpc_id: ref(net.vpc),
          tags: { Name: `net-private-${zone}`, team: "data" },
        });
      });
      expect(net.privateSubnets).toHaveLength(2);
      expect(output(synth, "private-subnet-ids")).toEqual(net.privateSubnets.map((subnet) => ref(subnet)));
    });

    test("a public subnet in the first zone, in the last slot, routed to the internet gateway", () => {
      const igw = ref(net.internetGateway!);
      const publicTable = ref(net.publicRouteTable!);
      expect(net.publicSubnets).toHaveLength(1);
      expect(output(synth, "public-subnet-ids")).toEqual([ref(net.publicSubnets[0])]);
      expect(synth).toHaveResourceWithProperties(Subnet, {
        availability_zone: "eu-west-1a",
        cidr_block: "10.40.240.0/20",
        map_public_ip_on_launch: false,
        tags: { Name: "net-public-eu-west-1a", team: "data" },
      });
      expect(synth).toHaveResourceWithProperties(InternetGateway, { vpc_id: ref(net.vpc) });
      expect(synth).toHaveResourceWithProperties(Route, { route_table_id: publicTable, destination_cidr_block: "0.0.0.0/0", gateway_id: igw });
      expect(synth).toHaveResourceWithProperties(RouteTableAssociation, { route_table_id: publicTable, subnet_id: ref(net.publicSubnets[0]) });
    });

    test("one NAT gateway with a VPC EIP, the private route table's way out", () => {
      const igwAddress = `aws_internet_gateway.${Object.keys(resources(synth, "aws_internet_gateway"))[0]}`;
      expect(synth).toHaveResourceWithProperties(Eip, { domain: "vpc", depends_on: [igwAddress] });
      expect(synth).toHaveResourceWithProperties(NatGateway, {
        allocation_id: ref(net.natGatewayEip!, "allocation_id"),
        subnet_id: ref(net.publicSubnets[0]),
        depends_on: [igwAddress],
      });
      expect(Object.keys(resources(synth, "aws_nat_gateway"))).toHaveLength(1);
      const privateTable = ref(net.privateRouteTable);
      expect(synth).toHaveResourceWithProperties(Route, {
        route_table_id: privateTable,
        destination_cidr_block: "0.0.0.0/0",
        nat_gateway_id: ref(net.natGateway!),
      });
      for (const subnet of net.privateSubnets) {
        expect(synth).toHaveResourceWithProperties(RouteTableAssociation, { route_table_id: privateTable, subnet_id: ref(subnet) });
      }
    });

    test("an S3 gateway endpoint on the private route table", () => {
      expect(net.region).toBe("eu-west-1");
      expect(synth).toHaveResourceWithProperties(VpcEndpoint, {
        service_name: "com.amazonaws.eu-west-1.s3",
        vpc_endpoint_type: "Gateway",
        vpc_id: ref(net.vpc),
        route_table_ids: [ref(net.privateRouteTable)],
      });
    });

    test("the default security group emptied of rules", () => {
      const groups = Object.values(resources(synth, "aws_default_security_group"));
      expect(groups).toHaveLength(1);
      expect(groups[0]).toMatchObject({ vpc_id: ref(net.vpc), ingress: [], egress: [] });
      expect(synth).toHaveResourceWithProperties(DefaultSecurityGroup, { ingress: [], egress: [] });
    });

    test("every taggable resource carries a Name from the construct id and the user's tags", () => {
      const names: string[] = [];
      for (const type of Object.keys(JSON.parse(synth).resource)) {
        if (["aws_route", "aws_route_table_association"].includes(type)) continue; // not taggable
        for (const resource of Object.values(resources(synth, type))) {
          expect(resource.tags).toEqual({ Name: expect.stringMatching(/^net(-|$)/), team: "data" });
          names.push((resource.tags as Record<string, string>).Name);
        }
      }
      expect(names.sort()).toEqual(
        ["net", "net-default", "net-igw", "net-nat", "net-nat", "net-private", "net-private-eu-west-1a", "net-private-eu-west-1b", "net-public", "net-public-eu-west-1a", "net-s3"].sort(),
      );
    });
  });

  test("cuts other prefixes into 16 subnets and follows the zone count", () => {
    const { net, synth } = build({ cidr: "172.16.8.0/24", availabilityZones: ["us-east-1a", "us-east-1b", "us-east-1c"] });
    expect(net.privateSubnetCidrs).toEqual(["172.16.8.0/28", "172.16.8.16/28", "172.16.8.32/28"]);
    expect(synth).toHaveResourceWithProperties(Subnet, { availability_zone: "us-east-1a", cidr_block: "172.16.8.240/28" });
    expect(synth).toHaveResourceWithProperties(VpcEndpoint, { service_name: "com.amazonaws.us-east-1.s3" });
    expect(Object.keys(resources(synth, "aws_subnet"))).toHaveLength(4);
    expect(build({ cidr: "10.0.0.0/18" }).net.privateSubnetCidrs).toEqual(["10.0.0.0/22", "10.0.4.0/22"]);
  });

  test.each([
    [["us-gov-west-1a", "us-gov-west-1b"], "us-gov-west-1"],
    [["ap-southeast-2b", "ap-southeast-2c"], "ap-southeast-2"],
    [["cn-north-1a", "cn-north-1b"], "cn-north-1"],
  ])("derives the region of %j", (zones, region) => {
    const { synth, net } = build({ availabilityZones: zones });
    expect(net.region).toBe(region);
    expect(synth).toHaveResourceWithProperties(VpcEndpoint, { service_name: `com.amazonaws.${region}.s3` });
  });

  test("natGateway: false makes no internet gateway, NAT, EIP, public subnet or default route", () => {
    const { net, synth } = build({ natGateway: false });
    expect(synth).not.toHaveResource(InternetGateway);
    expect(synth).not.toHaveResource(NatGateway);
    expect(synth).not.toHaveResource(Eip);
    expect(synth).not.toHaveResource(Route);
    expect(Object.keys(resources(synth, "aws_subnet"))).toHaveLength(2);
    expect(Object.keys(resources(synth, "aws_route_table"))).toHaveLength(1);
    expect(net.publicSubnets).toEqual([]);
    expect(output(synth, "public-subnet-ids")).toEqual([]);
    expect(net.natGateway).toBeUndefined();
    expect(net.internetGateway).toBeUndefined();
    expect(net.publicRouteTable).toBeUndefined();
    // S3 still reachable: the endpoint is the only way out.
    expect(synth).toHaveResourceWithProperties(VpcEndpoint, { route_table_ids: [ref(net.privateRouteTable)] });
    expect(synth).toHaveResourceWithProperties(RouteTable, { tags: { Name: "net-private" } });
  });

  test("the same input synthesizes byte for byte the same", () => {
    const props = { cidr: "10.1.0.0/16", availabilityZones: ["eu-central-1a", "eu-central-1b", "eu-central-1c"], tags: { b: "2", a: "1" } };
    expect(build(props).synth).toBe(build(props).synth);
  });

  test("accepts tokens for the CIDR and the zones", () => {
    const stack = new TerraformStack(Testing.app(), "prod");
    const cidr = new TerraformVariable(stack, "cidr", { type: "string" });
    const zone = new TerraformVariable(stack, "zone", { type: "string" });
    const net = new FlinkVpc(stack, "net", { cidr: cidr.stringValue, availabilityZones: [zone.stringValue, "eu-west-1b"] });
    const synth = Testing.synth(stack);
    expect(synth).toHaveResourceWithProperties(Subnet, { cidr_block: "${cidrsubnet(var.cidr, 4, 0)}" });
    expect(synth).toHaveResourceWithProperties(Subnet, { cidr_block: "${cidrsubnet(var.cidr, 4, 15)}" });
    expect(synth).toHaveResourceWithProperties(VpcEndpoint, { service_name: 'com.amazonaws.${replace(var.zone, "/[a-z]$/", "")}.s3' });
    expect(Token.isUnresolved(net.region)).toBe(true);
  });

  describe("refuses", () => {
    const make = (props: Partial<FlinkVpcProps>) => () => new FlinkVpc(new TerraformStack(Testing.app(), "prod"), "net", { availabilityZones: ZONES, ...props });

    test("with the construct path, property, value, rule and fix", () => {
      expect(make({ cidr: "10.40.0.0/12" })).toThrow(
        'FlinkVpc "prod/net":\n  cidr must have a prefix from /16 to /24, not /12 (got "10.40.0.0/12"). Fix: use a network address with a prefix from /16 to /24, such as "10.40.0.0/16".',
      );
    });

    test.each([
      ["not a CIDR", "10.40.0.0"],
      ["an octet over 255", "10.256.0.0/16"],
      ["a leading zero", "10.040.0.0/16"],
      ["a prefix over 32", "10.40.0.0/33"],
      ["IPv6", "fd00::/56"],
    ])("a malformed CIDR (%s)", (_, cidr) => {
      expect(make({ cidr })).toThrow(`cidr must be an IPv4 CIDR block such as 10.40.0.0/16 (got "${cidr}")`);
    });

    test.each(["10.0.0.0/8", "10.40.0.0/15", "10.40.0.0/25", "10.40.0.0/28"])("the prefix of %s", (cidr) => {
      expect(make({ cidr })).toThrow(/cidr must have a prefix from \/16 to \/24/);
    });

    test("host bits, naming the network address", () => {
      expect(make({ cidr: "10.40.1.0/16" })).toThrow('cidr must be a network address (host bits zero), as AWS requires (got "10.40.1.0/16"). Fix: use "10.40.0.0/16".');
    });

    test("fewer than 2 zones", () => {
      expect(make({ availabilityZones: ["eu-west-1a"] })).toThrow('availabilityZones must name at least 2 zones, not 1 (got ["eu-west-1a"]). Fix: add a second zone');
      expect(make({ availabilityZones: [] })).toThrow(/availabilityZones must name at least 2 zones, not 0/);
    });

    test("a repeated zone", () => {
      expect(make({ availabilityZones: ["eu-west-1a", "eu-west-1b", "eu-west-1a"] })).toThrow(
        'availabilityZones[2] repeats availabilityZones[0] (got "eu-west-1a"). Fix: list each zone once.',
      );
    });

    test("zones of different regions", () => {
      expect(make({ availabilityZones: ["eu-west-1a", "eu-west-2a", "eu-west-1b"] })).toThrow(
        /availabilityZones must all be in one region, but span eu-west-1 \(availabilityZones\[0\]\), eu-west-2 \(availabilityZones\[1\]\)/,
      );
    });

    test.each(["euw1-az1", "eu-west-1", "us-east-1-bos-1a", "EU-WEST-1A"])("a zone that is not a standard zone name (%s)", (zone) => {
      expect(make({ availabilityZones: [zone, "eu-west-1b"] })).toThrow(`availabilityZones[0] must be a standard availability zone name: a region and one letter (got "${zone}")`);
    });

    test("more zones than the CIDR has subnets for", () => {
      const zones = "abcdefghijklmnop".split("").map((letter) => `us-east-1${letter}`);
      expect(make({ availabilityZones: zones })).toThrow(/availabilityZones needs 17 subnets \(16 private and 1 public\), more than the 16 the CIDR is cut into .* Fix: use at most 15 zones/);
      expect(make({ availabilityZones: zones.slice(0, 15) })).not.toThrow();
      expect(make({ availabilityZones: zones, natGateway: false })).not.toThrow();
    });

    test("a list token, whose length synth cannot know", () => {
      const stack = new TerraformStack(Testing.app(), "prod");
      const zones = new TerraformVariable(stack, "zones", { type: "list(string)" });
      expect(() => new FlinkVpc(stack, "net", { availabilityZones: zones.listValue })).toThrow(/availabilityZones must be a list whose length is known at synth time/);
    });

    test("every problem at once", () => {
      const error = errorOf(make({ cidr: "10.40.0.0/8", availabilityZones: ["eu-west-1a", "eu-west-1a"] }));
      expect(error.problems.map((p) => p.property)).toEqual(["cidr", "availabilityZones[1]"]);
      expect(error.message.split("\n")).toHaveLength(3);
    });
  });
});
