import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { App, TerraformStack } from "cdktf";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import { Namespace } from "@cdktf/provider-kubernetes/lib/namespace";
import { KubernetesProvider } from "@cdktf/provider-kubernetes/lib/provider";
import { addExamples } from "./helpers/examples";
import { planOffline, terraformAvailability } from "./helpers/terraform";

/**
 * `terraform plan` of every example stack, offline (scripts/plan-offline.js): the provider checks each
 * resource against its schema and validation, which synth alone does not. Examples are found through
 * examples/app.ts, so a new example is planned without touching this file.
 */

const availability = terraformAvailability();
if (!availability.ok) {
  // Loud on purpose: a skipped plan must never read as a passed one.
  console.warn(`SKIPPED: terraform plan tests (test/plan.test.ts) did not run: ${availability.reason}`);
}
const planTest = availability.ok ? test : test.skip;
const TIMEOUT = 15 * 60 * 1000; // init + plan is about 5-10 s per stack, one stack after another

/**
 * Sample values for the examples' required variables (TF_VAR_*; stacks that do not declare one ignore it).
 * A new example with a new required variable fails its plan with "No value for required variable": add it here.
 */
const PLAN_VARIABLES: Record<string, string> = {
  ami_id: "ami-0123456789abcdef0",
  flink_tarball_sha512: "0".repeat(128),
  zookeeper_tarball_sha512: "0".repeat(128),
  zookeeper_security_group_id: "sg-0123456789abcdef0",
  prometheus_role_name: "prometheus-server",
};

const ec2AssumeRolePolicy = JSON.stringify({
  Version: "2012-10-17",
  Statement: [{ Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" }],
});

/** An AWS stack with a default and an aliased provider (no region), so the override must match both. */
function awsFixture(app: App, id: string): TerraformStack {
  const stack = new TerraformStack(app, id);
  new AwsProvider(stack, "aws", { region: "eu-west-1" });
  const secondary = new AwsProvider(stack, "aws-secondary", { alias: "secondary" });
  new S3Bucket(stack, "checkpoints", { bucket: "cdktf-flink-plan-fixture-checkpoints" });
  new S3Bucket(stack, "savepoints", { bucket: "cdktf-flink-plan-fixture-savepoints", provider: secondary });
  new IamRole(stack, "taskmanager", {
    name: "cdktf-flink-plan-fixture-taskmanager",
    assumeRolePolicy: ec2AssumeRolePolicy,
  });
  return stack;
}

/** Runs `body` with a fresh synth output folder, removed afterwards even when an expectation fails. */
function withOutdir(prefix: string, body: (outdir: string) => void): void {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  try {
    body(outdir);
  } finally {
    fs.rmSync(outdir, { recursive: true, force: true });
  }
}

type StackJson = { terraform?: { required_providers?: Record<string, unknown> }; resource?: Record<string, Record<string, unknown>> };
const readStack = (outdir: string, name: string): StackJson => JSON.parse(fs.readFileSync(path.join(outdir, "stacks", name, "cdk.tf.json"), "utf8"));
const providersOf = (stack: StackJson) => Object.keys(stack.terraform?.required_providers ?? {});
const lineOf = (output: string, stack: string) => output.split("\n").find((l) => l.startsWith(`${stack}: `));

describe("terraform plan, offline", () => {
  planTest(
    "every AWS example stack and the AWS fixture plan cleanly; other providers are skipped with a reason",
    () =>
      withOutdir("flink-plan-test-", (outdir) => {
        const app = new App({ outdir });
        addExamples(app);
        awsFixture(app, "plan-fixture-aws");
        const k8s = new TerraformStack(app, "plan-fixture-kubernetes");
        new KubernetesProvider(k8s, "kubernetes", {});
        new Namespace(k8s, "flink", { metadata: { name: "flink" } });
        app.synth();

        const stacks = fs.readdirSync(path.join(outdir, "stacks")).sort();
        const plannable = stacks.filter((s) => providersOf(readStack(outdir, s)).every((p) => p === "aws"));
        const aws = plannable.filter((s) => providersOf(readStack(outdir, s)).includes("aws"));
        const started = Date.now();
        const { code, output } = planOffline(outdir, [], PLAN_VARIABLES); // one run for all stacks: one plugin cache
        const seconds = (Date.now() - started) / 1000;
        console.log(`terraform plan of ${plannable.length} stack(s) (${aws.length} with AWS: ${aws.join(", ")}) took ${seconds.toFixed(1)} s\n${output}`);

        expect({ code, output }).toMatchObject({ code: 0 }); // on failure, shows terraform's output
        for (const stack of plannable) expect(lineOf(output, stack)).toMatch(/: (Plan: \d+ to add, 0 to change, 0 to destroy\.|No changes\.)/);
        for (const stack of aws) {
          // Every resource is one "to add", unless count or for_each multiplies it.
          const resources = Object.values(readStack(outdir, stack).resource ?? {}).flatMap((byName) => Object.values(byName));
          const multiplied = resources.some((r) => typeof r === "object" && r !== null && ("count" in r || "for_each" in r));
          expect(lineOf(output, stack)).toMatch(multiplied ? /Plan: [1-9]\d* to add/ : new RegExp(`Plan: ${resources.length} to add`));
        }
        expect(lineOf(output, "plan-fixture-aws")).toContain("Plan: 3 to add, 0 to change, 0 to destroy.");
        expect(lineOf(output, "plan-fixture-kubernetes")).toMatch(/skipped, needs provider kubernetes/);
        // Generated certificates need the tls provider, which the offline mirror lacks: skipped, saying so.
        expect(lineOf(output, "ec2-generated-tls")).toMatch(/skipped, needs provider tls/);
        // The mock-credential override never stays behind where a real `cdktf plan` would read it.
        for (const stack of stacks) expect(fs.readdirSync(path.join(outdir, "stacks", stack))).not.toContain("zz_offline_override.tf.json");
      }),
    TIMEOUT,
  );

  planTest(
    "a stack terraform rejects at plan fails the run",
    () =>
      withOutdir("flink-plan-broken-", (outdir) => {
        const app = new App({ outdir });
        const stack = awsFixture(app, "plan-fixture-broken");
        // Synth accepts any string; the provider's validation allows IAM role names of 1 to 64 characters.
        new IamRole(stack, "too-long", { name: "r".repeat(65), assumeRolePolicy: ec2AssumeRolePolicy });
        app.synth();

        const { code, output } = planOffline(outdir, ["plan-fixture-broken"]);
        expect(code).toBe(1);
        expect(output).toContain("plan-fixture-broken: FAILED");
        expect(output).toMatch(/expected length of name to be in the range \(1 - 64\)/);
      }),
    TIMEOUT,
  );
});
