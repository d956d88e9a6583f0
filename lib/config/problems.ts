/**
 * Collects what is wrong (errors) and what is risky (warnings) with a configuration, so that a user
 * sees every problem of one cluster at once instead of fixing them one synth at a time.
 */
export interface ConfigProblem {
  /** The property path as the user wrote it, e.g. `taskManager.slots`. */
  readonly property: string;
  /** The offending value. */
  readonly value: unknown;
  /** The rule that was broken, phrased to follow the property: "must be >= 1". */
  readonly rule: string;
  /** How to fix it, when there is a clear fix. */
  readonly fix?: string;
}

export interface ConfigWarning {
  /** A stable id such as `flink:unchecked-version`, shown in brackets at the start of the message. */
  readonly id: string;
  readonly message: string;
}

/** cdktf's token placeholders ("${TfToken[TOKEN.12]}"), which mean nothing to a reader. */
const TOKEN_PLACEHOLDER = /\$\{TfToken\[[^\]]+\]\}|#\{TfToken\[[^\]]+\]\}/g;

export function describeValue(value: unknown): string {
  if (typeof value === "string") {
    const text = value.replace(TOKEN_PLACEHOLDER, "<a Terraform reference>");
    return text === "<a Terraform reference>" ? "a Terraform reference (known at apply time)" : JSON.stringify(text);
  }
  if (typeof value === "bigint") return value.toString();
  if (value === undefined) return "undefined";
  return JSON.stringify(value) ?? String(value);
}

export function formatProblem(problem: ConfigProblem): string {
  const fix = problem.fix ? ` Fix: ${/[.?!]$/.test(problem.fix) ? problem.fix : problem.fix + "."}` : "";
  return `${problem.property} ${problem.rule} (got ${describeValue(problem.value)}).${fix}`;
}

/** This package's own folder (lib/ or dist/): its frames say nothing to a user. */
const OWN_DIR = __dirname.replace(/[\\/]config$/, "");

export class FlinkConfigError extends Error {
  /** Every problem, for programs; not enumerable, so Node does not print the list again under the message. */
  public declare readonly problems: readonly ConfigProblem[];

  constructor(problems: readonly ConfigProblem[], prefix = "") {
    super(prefix + problems.map(formatProblem).join(prefix ? "\n  " : "\n"));
    this.name = "FlinkConfigError";
    Object.defineProperty(this, "problems", { value: problems, enumerable: false });
    // Keep the frames of the user's code (where the construct was created), drop the package's own.
    this.stack = (this.stack ?? "")
      .split("\n")
      .filter((line) => !(/^\s+at /.test(line) && line.includes(OWN_DIR)))
      .join("\n");
  }
}

export class Problems {
  public readonly errors: ConfigProblem[] = [];
  public readonly warnings: ConfigWarning[] = [];

  public error(property: string, value: unknown, rule: string, fix?: string): void {
    this.errors.push({ property, value, rule, fix });
  }

  public warn(id: string, message: string): void {
    this.warnings.push({ id, message });
  }

  /** Throws one error listing every problem, each on its own line after `prefix`. */
  public throwIfErrors(prefix = ""): void {
    if (this.errors.length > 0) {
      throw new FlinkConfigError(this.errors, prefix ? `${prefix}\n  ` : "");
    }
  }
}
