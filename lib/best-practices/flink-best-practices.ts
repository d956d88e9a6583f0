import { Annotations, IAspect } from "cdktf";
import { IConstruct } from "constructs";
import { Problems } from "../config/problems";
import { FlinkCluster } from "../flink-cluster";
import { ZooKeeperEnsemble } from "../ha/zookeeper-ensemble";
import { PRACTICE_RULES, PracticeRule, PracticeRuleId, PracticeSeverity, PracticeViolation } from "./practice-rules";

export interface PracticeSuppression {
  readonly id: PracticeRuleId;
  /** Why the practice does not apply here: kept in the synthesized manifest beside the finding. At least 10 characters. */
  readonly reason: string;
}

export interface FlinkBestPracticesProps {
  /** Raise a warning to an error (or lower an error to a warning) for a rule, by id. @default - each rule's own */
  readonly severities?: Partial<Readonly<Record<PracticeRuleId, PracticeSeverity>>>;
}

/** One rule broken by one construct. */
export interface PracticeFinding extends PracticeViolation {
  readonly rule: PracticeRuleId;
  readonly severity: PracticeSeverity;
  /** The construct path of the cluster or ensemble. */
  readonly path: string;
  /** The reason of the suppression that accepted it, if one did. */
  readonly suppressedBecause?: string;
}

const MIN_REASON_LENGTH = 10;
/** Suppressions by the construct (a cluster, an ensemble, a stack, the app) they were put on. */
const SUPPRESSIONS = new WeakMap<IConstruct, Map<string, string>>();

/**
 * Best-practice checks for production Flink, as a cdktf Aspect (in the manner of cdk-nag): add it to a
 * stack or the app with `Aspects.of(stack).add(new FlinkBestPractices())`. At synth each FlinkCluster
 * and ZooKeeperEnsemble is checked against PRACTICE_RULES; a broken error rule is an error annotation,
 * which fails the synth, a broken warning rule a warning annotation. `FlinkBestPractices.suppress`
 * accepts a finding on a cluster or a whole stack, with a reason that stays in the manifest.
 */
export class FlinkBestPractices implements IAspect {
  /**
   * Accepts rules for `scope` and everything in it (a cluster, an ensemble, a stack). The reason is
   * mandatory and is written beside each finding it accepts, as an info annotation.
   */
  public static suppress(scope: IConstruct, suppressions: readonly PracticeSuppression[]): void {
    const problems = new Problems();
    const known = PRACTICE_RULES.map((r) => r.id);
    suppressions.forEach((s, i) => {
      if (!known.includes(s.id)) problems.error(`suppressions[${i}].id`, s.id, "is not a FlinkBestPractices rule", `use one of ${known.join(", ")}.`);
      if (typeof s.reason !== "string" || s.reason.trim().length < MIN_REASON_LENGTH) {
        problems.error(`suppressions[${i}].reason`, s.reason, `must say why the practice does not apply, in at least ${MIN_REASON_LENGTH} characters`, 'e.g. "staging: single JobManager to save cost".');
      }
    });
    problems.throwIfErrors(`FlinkBestPractices.suppress on "${scope.node.path || "(app)"}":`);
    const own = SUPPRESSIONS.get(scope) ?? new Map<string, string>();
    for (const s of suppressions) own.set(s.id, s.reason.trim());
    SUPPRESSIONS.set(scope, own);
  }

  /** Every finding of the synths this aspect took part in, suppressed ones included. */
  public readonly findings: PracticeFinding[] = [];
  private readonly severities: Partial<Readonly<Record<PracticeRuleId, PracticeSeverity>>>;

  constructor(props: FlinkBestPracticesProps = {}) {
    const problems = new Problems();
    for (const [id, severity] of Object.entries(props.severities ?? {})) {
      if (!PRACTICE_RULES.some((r) => r.id === id)) problems.error(`severities.${id}`, severity, "is not a FlinkBestPractices rule", `use one of ${PRACTICE_RULES.map((r) => r.id).join(", ")}.`);
      if (severity !== "error" && severity !== "warning") problems.error(`severities.${id}`, severity, 'must be "error" or "warning"', 'use "error" to fail the synth.');
    }
    problems.throwIfErrors("FlinkBestPractices:");
    this.severities = { ...props.severities };
  }

  public visit(node: IConstruct): void {
    if (node instanceof FlinkCluster) {
      // A cluster refused at synth under the cdktf CLI has reported its error already and has no configuration.
      if (!readable(() => node.configuration)) return;
      const subject = { cluster: node, target: node.target?.practices(node) };
      this.apply(node, (rule) => rule.checkCluster?.(subject));
    } else if (node instanceof ZooKeeperEnsemble) {
      this.apply(node, (rule) => rule.checkEnsemble?.(node));
    }
  }

  private apply(node: IConstruct, check: (rule: PracticeRule) => readonly PracticeViolation[] | undefined): void {
    for (const rule of PRACTICE_RULES) {
      const severity = this.severities[rule.id as PracticeRuleId] ?? rule.severity;
      for (const v of check(rule) ?? []) {
        const reason = suppressionOf(node, rule.id);
        this.findings.push({ ...v, rule: rule.id as PracticeRuleId, severity, path: node.node.path, suppressedBecause: reason });
        const what = `[${rule.id}] ${v.property} ${v.value}: ${v.problem}.`;
        if (reason !== undefined) {
          Annotations.of(node).addInfo(`${what} Suppressed: ${reason}`);
          continue;
        }
        const message = `${what} Practice: ${rule.description}. Fix: ${rule.fix} To accept it: FlinkBestPractices.suppress(<this cluster or its stack>, [{ id: "${rule.id}", reason: "<why>" }]).`;
        if (severity === "error") Annotations.of(node).addError(message);
        else Annotations.of(node).addWarning(message);
      }
    }
  }
}

/** The reason of the nearest suppression of `id` on the node or a scope above it. */
function suppressionOf(node: IConstruct, id: string): string | undefined {
  for (const scope of [...node.node.scopes].reverse()) {
    const reason = SUPPRESSIONS.get(scope)?.get(id);
    if (reason !== undefined) return reason;
  }
  return undefined;
}

function readable(read: () => unknown): boolean {
  try {
    read();
    return true;
  } catch {
    return false;
  }
}
