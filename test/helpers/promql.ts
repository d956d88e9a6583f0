/**
 * PromQL checks for tests, with Prometheus's own lezer grammar (the one its web UI uses).
 *
 * `@prometheus-io/lezer-promql` is an ES module ("type": "module") with a CommonJS build
 * (dist/index.cjs) but a single ESM .d.ts, so under module node16 TypeScript refuses a static
 * import from our CommonJS tests (TS1479). The types come in with an import-mode type import and
 * the value through require(), which picks the package's "require" export.
 */
import type { parser as PromQLParser } from "@prometheus-io/lezer-promql" with { "resolution-mode": "import" };

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { parser } = require("@prometheus-io/lezer-promql") as { parser: typeof PromQLParser };

export interface PromQLMatcher {
  readonly label: string;
  /** "=", "!=", "=~" or "!~". */
  readonly op: string;
  /** The unquoted value, Grafana variables such as `$cluster` left in. */
  readonly value: string;
}

export interface PromQLSelector {
  /** The metric name; "" for a selector without one (`{job="x"}`). */
  readonly metric: string;
  readonly matchers: readonly PromQLMatcher[];
}

export interface ParsedPromQL {
  /** Syntax errors ("⚠" nodes of the lezer tree) with their offset in the substituted text. */
  readonly errors: string[];
  /** Metric names of every vector selector (functions such as absent() included), in order, unique. */
  readonly metricNames: string[];
  /** Label names in matchers and in by/without/on/ignoring/group_left/group_right clauses, unique. */
  readonly labelNames: string[];
  /** Every vector selector with its matchers. */
  readonly selectors: PromQLSelector[];
  /** Grafana variables used outside strings (replaced by a placeholder before parsing). */
  readonly variables: string[];
  /** The text that was parsed, after the Grafana substitutions. */
  readonly substituted: string;
}

/** Grafana's interval macros: durations inside PromQL, replaced by a fixed duration. */
const DURATION_MACROS = new Set(["__rate_interval", "__interval", "__range", "__auto"]);
/** Grafana's numeric macros (seconds, milliseconds). */
const NUMBER_MACROS = new Set(["__range_s", "__range_ms", "__interval_ms", "__rate_interval_ms"]);
const PLACEHOLDER_PREFIX = "__grafana_var_";

/**
 * Replaces Grafana macros and variables outside string literals so that lezer sees PromQL:
 * `$__rate_interval`, `$__interval`, `$__range` (and any variable inside `[...]`) become "5m",
 * the `_s`/`_ms` macros a number, other variables a placeholder identifier. Variables inside
 * strings (`{cluster="$cluster"}`) stay as they are: they are valid PromQL there.
 */
export function substituteGrafanaMacros(expr: string): { text: string; variables: string[] } {
  const variables: string[] = [];
  let out = "";
  let quote: string | undefined;
  let brackets = 0;
  for (let i = 0; i < expr.length; i++) {
    const ch = expr[i];
    if (quote) {
      out += ch;
      if (ch === "\\" && quote !== "`" && i + 1 < expr.length) out += expr[++i];
      else if (ch === quote) quote = undefined;
      continue;
    }
    if (ch === '"' || ch === "'" || ch === "`") {
      quote = ch;
      out += ch;
      continue;
    }
    if (ch === "[") brackets++;
    if (ch === "]") brackets = Math.max(0, brackets - 1);
    if (ch !== "$") {
      out += ch;
      continue;
    }
    // $name, ${name} or ${name:format}
    const match = /^\$(?:\{([A-Za-z0-9_]+)(?::[^}]*)?\}|([A-Za-z0-9_]+))/.exec(expr.slice(i));
    if (!match) {
      out += ch;
      continue;
    }
    const name = match[1] ?? match[2];
    i += match[0].length - 1;
    if (NUMBER_MACROS.has(name)) out += "300";
    else if (DURATION_MACROS.has(name) || brackets > 0) out += "5m";
    else {
      if (!name.startsWith("__")) variables.push(name);
      out += `${PLACEHOLDER_PREFIX}${name}`;
    }
  }
  return { text: out, variables: unique(variables) };
}

/** The part of lezer's SyntaxNode that reading a selector needs. */
interface SyntaxNodeLike {
  readonly name: string;
  readonly from: number;
  readonly to: number;
  readonly firstChild: SyntaxNodeLike | null;
  readonly nextSibling: SyntaxNodeLike | null;
  getChild(name: string): SyntaxNodeLike | null;
  getChildren(name: string): SyntaxNodeLike[];
}

/** Parses one PromQL expression (Grafana macros substituted first) and collects its names. */
export function parsePromQL(expr: string): ParsedPromQL {
  const { text, variables } = substituteGrafanaMacros(expr);
  const errors: string[] = [];
  const metricNames: string[] = [];
  const labelNames: string[] = [];
  const selectors: PromQLSelector[] = [];
  if (text.trim() === "") errors.push("empty expression");
  const tree = parser.parse(text);
  const slice = (n: { from: number; to: number }): string => text.slice(n.from, n.to);

  tree.iterate({
    enter(cursor) {
      if (cursor.type.isError || cursor.name === "⚠") {
        errors.push(`syntax error at ${cursor.from}: ${JSON.stringify(text.slice(cursor.from, cursor.from + 20))}`);
        return;
      }
      switch (cursor.name) {
        case "LabelName":
          labelNames.push(slice(cursor));
          break;
        case "QuotedLabelName": {
          // {"metric.name"}: a quoted name alone in the braces is the metric, not a label
          if (cursor.node.parent?.name !== "LabelMatchers") labelNames.push(unquote(slice(cursor)));
          break;
        }
        case "VectorSelector": {
          const selector = readSelector(cursor.node, slice);
          selectors.push(selector);
          if (selector.metric !== "" && !selector.metric.startsWith(PLACEHOLDER_PREFIX)) metricNames.push(selector.metric);
          break;
        }
      }
    },
  });
  return {
    errors,
    metricNames: unique(metricNames),
    labelNames: unique(labelNames),
    selectors,
    variables,
    substituted: text,
  };
}

function readSelector(node: SyntaxNodeLike, slice: (n: SyntaxNodeLike) => string): PromQLSelector {
  let metric = "";
  const name = node.getChild("Identifier") ?? node.getChild("MetricName");
  if (name) metric = slice(name);
  const matchers: PromQLMatcher[] = [];
  const list = node.getChild("LabelMatchers");
  for (let m = list?.firstChild ?? null; m; m = m.nextSibling) {
    if (m.name === "UnquotedLabelMatcher" || m.name === "QuotedLabelMatcher") {
      const label = m.getChild("LabelName") ?? m.getChild("QuotedLabelName");
      const op = m.getChild("MatchOp");
      const value = m.getChild("StringLiteral");
      if (label && op && value) {
        const labelName = label.name === "QuotedLabelName" ? unquote(slice(label)) : slice(label);
        matchers.push({ label: labelName, op: slice(op), value: unquote(slice(value)) });
      }
    } else if (m.name === "QuotedLabelName") {
      metric = unquote(slice(m)); // {"metric.name"}: a quoted metric name
    }
  }
  if (metric === "") {
    const byName = matchers.find((m) => m.label === "__name__" && m.op === "=");
    if (byName) metric = byName.value;
  }
  return { metric, matchers };
}

/** A PromQL string literal's value ("...", '...' with Go escapes; `...` raw). */
function unquote(literal: string): string {
  if (literal.length < 2) return literal;
  const q = literal[0];
  const body = literal.slice(1, -1);
  if (q === "`") return body;
  return body.replace(/\\(.)/g, (_, c: string) => ({ n: "\n", t: "\t", r: "\r" })[c] ?? c);
}

function unique(values: string[]): string[] {
  return [...new Set(values)];
}
