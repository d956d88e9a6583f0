import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

/**
 * Real `terraform plan` JSON of a change, offline. Terraform cannot apply without AWS, so the state a
 * version would leave is written by hand, as Terraform writes it (state format 4): every resource of
 * the version's plan with its planned attributes, those known only after apply filled in (the
 * provider's schema gives their types; ARNs look like ARNs), and the root outputs. Planning the same
 * version against that state again fills in what depended on those values (a policy naming a bucket's
 * ARN), until Terraform plans no changes: then the state is what an apply would have left, as far as
 * Terraform can tell. A plan of the next version against it is the plan a team would review.
 */

const script = path.join(__dirname, "..", "..", "scripts", "plan-offline.js");
// A plain JS script with no types: state what is used.
const offline = require(script) as {
  availability: () => { ok: boolean; mirror?: string; reason?: string };
  offlineEnvironment: (mirror: string, tmp: string) => Record<string, string>;
  providerOverride: (config: unknown) => unknown[];
};

type Json = any;
export type TerraformState = Json;
export type TerraformPlan = Json;

/** One working directory with the mirror's aws provider, reused for every version of one stack. */
export class OfflineTerraform {
  public readonly dir: string;
  private readonly tmp: string;
  private readonly env: Record<string, string>;
  private initialized = false;
  /** The loaded configuration (the stack's Terraform JSON). */
  public config: Json;
  private schemaCache?: Json;

  constructor(variables: Record<string, string> = {}) {
    const available = offline.availability();
    if (!available.ok) throw new Error(`cannot plan offline: ${available.reason}`);
    this.tmp = fs.mkdtempSync(path.join(os.tmpdir(), "flink-state-plan-"));
    this.dir = path.join(this.tmp, "work");
    fs.mkdirSync(this.dir);
    this.env = { ...offline.offlineEnvironment(available.mirror!, this.tmp), TF_DATA_DIR: path.join(this.tmp, "data") };
    for (const [name, value] of Object.entries(variables)) this.env[`TF_VAR_${name}`] = value;
  }

  private run(args: string[]): string {
    const r = spawnSync("terraform", args, { cwd: this.dir, env: this.env, encoding: "utf8", maxBuffer: 512 * 1024 * 1024 });
    if (r.status !== 0) throw new Error(`terraform ${args.join(" ")} failed:\n${r.stdout}${r.stderr}${r.error ? r.error.message : ""}`);
    return r.stdout;
  }

  /** Takes a synthesized stack's Terraform JSON as the configuration; the state stays in this directory. */
  public load(stackJsonFile: string): void {
    const config = JSON.parse(fs.readFileSync(stackJsonFile, "utf8"));
    this.config = config;
    fs.copyFileSync(stackJsonFile, path.join(this.dir, "cdk.tf.json"));
    // The override merges mock credentials into the aws provider and puts the state here, not where cdktf's backend points.
    const override = { terraform: { backend: { local: { path: this.statePath } } }, provider: { aws: offline.providerOverride(config) } };
    fs.writeFileSync(path.join(this.dir, "zz_offline_override.tf.json"), JSON.stringify(override, null, 2));
    if (!this.initialized) this.run(["init", "-input=false", "-no-color"]);
    this.initialized = true;
  }

  private get statePath(): string {
    return path.join(this.dir, "terraform.tfstate");
  }

  /** `terraform plan` against `state` (none: an empty one), without refresh, as `terraform show -json` gives it. */
  public plan(state?: TerraformState): TerraformPlan {
    fs.rmSync(this.statePath, { force: true });
    if (state) fs.writeFileSync(this.statePath, JSON.stringify(state, null, 1));
    this.run(["plan", "-input=false", "-no-color", "-lock=false", "-refresh=false", "-out=plan.tfplan"]);
    return JSON.parse(this.run(["show", "-json", "plan.tfplan"]));
  }

  /** The resource schemas of the providers in use, by provider source address and type. */
  public schemas(): Json {
    this.schemaCache ??= JSON.parse(this.run(["providers", "schema", "-json"])).provider_schemas;
    return this.schemaCache;
  }

  public dispose(): void {
    fs.rmSync(this.tmp, { recursive: true, force: true });
  }
}

let serial = 0;
/** AWS's id prefixes, which the provider checks where an id is passed on ("must begin with 'lt-'"). */
const ID_PREFIX: Readonly<Record<string, string>> = {
  aws_launch_template: "lt",
  aws_security_group: "sg",
  aws_default_security_group: "sg",
  aws_subnet: "subnet",
  aws_vpc: "vpc",
  aws_instance: "i",
  aws_network_interface: "eni",
  aws_ebs_volume: "vol",
  aws_internet_gateway: "igw",
  aws_nat_gateway: "nat",
  aws_route_table: "rtb",
  aws_eip: "eipalloc",
  aws_vpc_endpoint: "vpce",
  aws_vpc_security_group_ingress_rule: "sgr",
  aws_vpc_security_group_egress_rule: "sgr",
};
/** A value for an attribute known only after apply, of the attribute's type. */
function mockValue(type: Json, name: string, address: string): Json {
  if (type === "string") {
    serial++;
    const prefix = ID_PREFIX[address.split(".")[0]];
    if (name === "id" && prefix) return `${prefix}-${serial.toString(16).padStart(17, "0")}`;
    // Short: the provider checks lengths of values passed on (a zone id of at most 32 characters).
    return /(^|_)arn$/.test(name) ? `arn:aws:mock:eu-west-1:123456789012:${name}/mock${serial}` : `mock${serial}`;
  }
  if (type === "number") return 1;
  if (type === "bool") return false;
  if (Array.isArray(type) && ["list", "set", "tuple"].includes(type[0])) return [];
  if (Array.isArray(type) && type[0] === "map") return {};
  if (Array.isArray(type) && type[0] === "object") return Object.fromEntries(Object.keys(type[1]).map((k) => [k, null]));
  return null;
}

/** A planned value with what is unknown filled in: from the prior state where it has it, else a mock of the type. */
function fillValue(value: Json, unknown: Json, prior: Json, type: Json, name: string, address: string): Json {
  if (unknown === true) return prior ?? mockValue(type, name, address);
  if (!unknown || typeof unknown !== "object" || value === null || value === undefined || !Array.isArray(type)) return value;
  const [kind, inner] = type;
  if (kind === "list" || kind === "set") return value.map((v: Json, i: number) => fillValue(v, unknown[i], prior?.[i], inner, name, address));
  if (kind === "tuple") return value.map((v: Json, i: number) => fillValue(v, unknown[i], prior?.[i], inner[i], name, address));
  if (kind === "map") return Object.fromEntries(Object.keys(value).map((k) => [k, fillValue(value[k], unknown[k], prior?.[k], inner, k, address)]));
  if (kind === "object") return Object.fromEntries(Object.keys(inner).map((k) => [k, fillValue(value[k], unknown[k], prior?.[k], inner[k], k, address)]));
  return value;
}

function fillBlock(values: Json, unknown: Json, prior: Json, block: Json, address: string): Json {
  const out: Json = { ...values };
  for (const [name, attribute] of Object.entries<Json>(block.attributes ?? {})) {
    out[name] = fillValue(values?.[name] ?? null, unknown?.[name], prior?.[name], attribute.type ?? ["list", ["object", {}]], name, address);
  }
  for (const [name, nested] of Object.entries<Json>(block.block_types ?? {})) {
    const single = nested.nesting_mode === "single" || nested.nesting_mode === "group";
    const u = unknown?.[name];
    const v = values?.[name];
    if (u === true) out[name] = prior?.[name] ?? (single ? null : []);
    else if (v === null || v === undefined) out[name] = single ? null : [];
    else if (single) out[name] = fillBlock(v, u, prior?.[name], nested.block, address);
    else if (nested.nesting_mode === "map") out[name] = Object.fromEntries(Object.keys(v).map((k) => [k, fillBlock(v[k], u?.[k], prior?.[name]?.[k], nested.block, address)]));
    else out[name] = v.map((item: Json, i: number) => fillBlock(item, u?.[i], prior?.[name]?.[i], nested.block, address));
  }
  return out;
}

const REFERENCE = /^\$\{([a-z0-9_]+)\.([A-Za-z0-9_-]+)\.([a-z0-9_]+)\}$/;

/**
 * Attributes set to exactly another resource's attribute (`"vpc_id": "${aws_vpc.main.id}"`) get that
 * attribute's value, so a mocked id is the same wherever it is used and planning again finds nothing
 * to replace. Interpolations (policies, user data) are left to Terraform's next plan.
 */
function resolveReferences(groups: Map<string, Json>, config: Json): void {
  const attributesOf = (type: string, name: string) => groups.get(`${type}.${name}`)?.instances.length === 1 ? groups.get(`${type}.${name}`).instances[0].attributes : undefined;
  const walk = (body: Json, state: Json): boolean => {
    let changed = false;
    if (Array.isArray(state) && !Array.isArray(body) && body && typeof body === "object") return walk(body, state[0]);
    if (!state || typeof state !== "object" || !body || typeof body !== "object") return false;
    for (const key of Object.keys(body)) {
      const value = body[key];
      if (typeof value === "string") {
        const ref = REFERENCE.exec(value);
        const target = ref && attributesOf(ref[1], ref[2])?.[ref[3]];
        if (target === undefined || target === null || !(key in state)) continue;
        const resolved = typeof state[key] === "string" && typeof target === "number" ? String(target) : target;
        if (JSON.stringify(state[key]) !== JSON.stringify(resolved)) {
          state[key] = resolved;
          changed = true;
        }
      } else if (value && typeof value === "object" && key in state) {
        changed = walk(value, state[key]) || changed;
      }
    }
    return changed;
  };
  for (let pass = 0; pass < 10; pass++) {
    let changed = false;
    for (const [type, byName] of Object.entries<Json>(config.resource ?? {})) {
      for (const [name, body] of Object.entries<Json>(byName)) {
        const attributes = attributesOf(type, name);
        if (attributes) changed = walk(body, attributes) || changed;
      }
    }
    if (!changed) return;
  }
}

/** A JSON value's cty type, as the state file records an output's. */
function ctyType(value: Json): Json {
  if (typeof value === "string") return "string";
  if (typeof value === "number") return "number";
  if (typeof value === "boolean") return "bool";
  if (Array.isArray(value)) return ["tuple", value.map(ctyType)];
  if (value && typeof value === "object") return ["object", Object.fromEntries(Object.entries(value).map(([k, v]) => [k, ctyType(v)]))];
  return "dynamic";
}

/**
 * The state an apply of `plan` would leave (format 4): each planned resource, its unknown attributes
 * taken from `prior` or mocked by type, with the provider's schema version; and the root outputs.
 */
export function stateFromPlan(plan: TerraformPlan, schemas: Json, prior?: TerraformState, config?: Json): TerraformState {
  const changes = new Map<string, Json>((plan.resource_changes ?? []).map((rc: Json) => [rc.address, rc.change]));
  const configured = new Map<string, string>((plan.configuration?.root_module?.resources ?? []).map((r: Json) => [r.address, r.provider_config_key]));
  const priorAttributes = new Map<string, Json>();
  for (const r of prior?.resources ?? []) for (const i of r.instances) priorAttributes.set(`${r.type}.${r.name}${i.index_key === undefined ? "" : `[${JSON.stringify(i.index_key)}]`}`, i.attributes);
  const groups = new Map<string, Json>();
  for (const r of plan.planned_values?.root_module?.resources ?? []) {
    if (r.mode !== "managed") continue;
    const schema = schemas[r.provider_name]?.resource_schemas?.[r.type];
    if (!schema) throw new Error(`no schema for ${r.type} of ${r.provider_name}`);
    const key = `${r.type}.${r.name}`;
    const alias = (configured.get(key) ?? "").split(".")[1];
    const group = groups.get(key) ?? { mode: "managed", type: r.type, name: r.name, provider: `provider["${r.provider_name}"]${alias ? `.${alias}` : ""}`, instances: [] };
    groups.set(key, group);
    const attributes = fillBlock(r.values, changes.get(r.address)?.after_unknown, priorAttributes.get(r.address), schema.block, r.address);
    // As the provider reads an instance back: user data given base64 leaves user_data (a hash otherwise) empty.
    if (r.type === "aws_instance" && attributes.user_data_base64) attributes.user_data = null;
    group.instances.push({ ...(r.index === undefined ? {} : { index_key: r.index }), schema_version: schema.version ?? 0, attributes, sensitive_attributes: [] });
  }
  if (config) resolveReferences(groups, config);
  const outputs = Object.fromEntries(
    Object.entries<Json>(plan.planned_values?.outputs ?? {}).filter(([, o]) => o.value !== undefined).map(([name, o]) => [name, { value: o.value, type: o.type ?? ctyType(o.value), ...(o.sensitive ? { sensitive: true } : {}) }]),
  );
  return {
    version: 4,
    terraform_version: plan.terraform_version,
    serial: (prior?.serial ?? 0) + 1,
    lineage: prior?.lineage ?? "00000000-0000-4000-8000-000000000000",
    outputs,
    resources: [...groups.values()],
    check_results: null,
  };
}

/** The resource changes of a plan that do something (not no-op or read). */
export function effectiveChanges(plan: TerraformPlan): Array<{ address: string; actions: string[] }> {
  return (plan.resource_changes ?? []).filter((rc: Json) => !rc.change.actions.every((a: string) => a === "no-op" || a === "read")).map((rc: Json) => ({ address: rc.address, actions: rc.change.actions }));
}

/**
 * The state an apply of the loaded configuration would leave: planned from empty, then planned again
 * against each state built, until Terraform plans no changes (or `rounds` runs out: throws, naming what
 * still changes). Returns the state, how many plans it took, and the last plan (no changes).
 */
export function appliedState(terraform: OfflineTerraform, rounds = 4): { state: TerraformState; plans: number; plan: TerraformPlan } {
  let plan = terraform.plan();
  let state: TerraformState | undefined;
  for (let round = 1; round <= rounds; round++) {
    state = stateFromPlan(plan, terraform.schemas(), state, terraform.config);
    plan = terraform.plan(state);
    const changes = effectiveChanges(plan);
    const outputsChange = Object.values<Json>(plan.output_changes ?? {}).some((o) => !o.actions.every((a: string) => a === "no-op"));
    // The last plan is the proof: the configuration against the built state plans nothing.
    if (changes.length === 0 && !outputsChange) return { state, plans: round + 1, plan };
    if (round === rounds) throw new Error(`the built state still plans changes after ${rounds} rounds: ${JSON.stringify(changes)}`);
    if (process.env.DEBUG_STATE) {
      console.log(`round ${round}: ${changes.length} changes: ${changes.map((c) => `${c.address} ${c.actions}`).join(", ")}`);
      for (const rc of plan.resource_changes.filter((r: Json) => r.change.actions.includes("update")).slice(0, 3)) {
        const keys = [...new Set([...Object.keys(rc.change.before), ...Object.keys(rc.change.after)])].filter((k) => JSON.stringify(rc.change.before[k]) !== JSON.stringify(rc.change.after[k]));
        console.log(rc.address, keys.map((k) => `${k}: ${JSON.stringify(rc.change.before[k]).slice(0, 200)} -> ${JSON.stringify(rc.change.after[k]).slice(0, 200)}`).join("\n  "));
      }
    }
  }
  throw new Error("unreachable");
}
