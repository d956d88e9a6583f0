import { ConfigValue } from "../../config/values";

/** One EMR configuration classification, in the shape of `configurations_json`. */
export interface EmrClassification {
  readonly Classification: string;
  readonly Properties: Readonly<Record<string, string>>;
}

/**
 * Quotes one element of a list or map the way Flink's StructuredOptionsSplitter reads it back: in
 * single quotes, with quotes doubled, when it holds a delimiter or a quote.
 */
function element(text: string, delimiters: string): string {
  return [...delimiters, "'", '"'].some((d) => text.includes(d)) ? `'${text.replace(/'/g, "''")}'` : text;
}

/**
 * A value as a line of the legacy flink-conf.yaml holds it, which is what EMR writes from the
 * `flink-conf` classification: lists joined by ';', maps as 'k:v,k:v', everything else as text.
 */
export function legacyConfValue(value: ConfigValue): string {
  if (Array.isArray(value)) return value.map((v) => element(String(v), ";")).join(";");
  if (typeof value === "object" && value !== null) {
    return Object.entries(value as Record<string, string>)
      .map(([k, v]) => element(`${element(k, ",:")}:${element(v, ",:")}`, ","))
      .join(",");
  }
  return String(value);
}

/**
 * What the legacy flink-conf.yaml parser cannot carry: it cuts every line at its first '#', and reads
 * a line without ': ' as broken. Returns why a value cannot be written, or undefined.
 */
export function legacyConfProblem(value: string): string | undefined {
  if (value.includes("#")) return "holds '#', where the flink-conf.yaml parser that EMR's Flink uses cuts the line (a comment)";
  if (/[\r\n]/.test(value)) return "spans lines, which flink-conf.yaml cannot hold";
  return undefined;
}

/** The `flink-conf` classification: every key of the rendered configuration, in its order. */
export function flinkConfClassification(entries: ReadonlyMap<string, ConfigValue>): EmrClassification {
  const properties: Record<string, string> = {};
  for (const [key, value] of entries) properties[key] = legacyConfValue(value);
  return { Classification: "flink-conf", Properties: properties };
}

/** A log4j2 properties file ("key = value" lines, '#' comments) as the properties of a classification. */
export function propertiesClassification(classification: string, file: string): EmrClassification {
  const properties: Record<string, string> = {};
  for (const line of file.split("\n")) {
    const trimmed = line.trim();
    if (trimmed === "" || trimmed.startsWith("#")) continue;
    const at = trimmed.indexOf("=");
    properties[trimmed.slice(0, at).trim()] = trimmed.slice(at + 1).trim();
  }
  return { Classification: classification, Properties: properties };
}
