#!/usr/bin/env node
/**
 * Builds catalog/flink-<version>.json, the per-version list of documented Flink configuration keys
 * and deprecated key names, from the reference TSVs (see the README next to them).
 *
 *   node scripts/generate-catalog.js           write the catalog files
 *   node scripts/generate-catalog.js --check   exit 1 when the committed files are out of date
 *
 * The TSVs are read from $FLINK_REFERENCE_DIR, else from ../shared/reference/flink beside the repo.
 * The package carries the generated JSON, never the TSVs.
 */
"use strict";

const fs = require("fs");
const path = require("path");

const REPO_ROOT = path.resolve(__dirname, "..");
const CATALOG_DIR = path.join(REPO_ROOT, "catalog");
const REFERENCE_DIR = process.env.FLINK_REFERENCE_DIR
  ? path.resolve(process.env.FLINK_REFERENCE_DIR)
  : path.resolve(__dirname, "../../shared/reference/flink");

const REPOSITORY = "github.com/snuyanzin/flink";
/** Where each version's TSVs were extracted from (the table in the reference README). */
const VERSIONS = [
  { version: "1.20", ref: "release-1.20.4", commit: "f6265b2a32fd1571cd5dcea694c923b057239ac4" },
  { version: "2.0", ref: "release-2.0.2-rc4", commit: "a2a1e271cd6ffe4d671dfb480acc2ffe33b5a2b5" },
  { version: "2.1", ref: "release-2.1.2-rc1", commit: "7d34ef8f8aa24d4808dfe16b342f70ce72437d11" },
  { version: "2.2", ref: "release-2.2.1-rc2", commit: "1d2382612e30cc5dc0126ba36f8121497c7a335a" },
  // The release-2.3 branch head; checked against the released 2.3.0 jars by test/real-flink.test.ts.
  { version: "2.3", ref: "release-2.3", commit: "4ef388f3acd1b37cf9157a0e3e5ccf8978637d1b" },
];

const OPTION_COLUMNS = ["key", "default", "type", "short_description", "source_file", "enum_values"];
const DEPRECATION_COLUMNS = [
  "option_key",
  "deprecated_or_fallback_key",
  "kind",
  "java_class",
  "java_field",
  "source_path",
];
const UNRESOLVED_PREFIX = "<unresolved:";
const TABLE_OPTION_MODULES = ["flink-connectors/", "flink-formats/", "flink-models/"];

/** Rows of a TSV as objects; fails on a changed header so that a format change cannot slip through. */
function readTsv(file, expectedColumns) {
  const lines = fs.readFileSync(file, "utf8").split(/\r?\n/).filter((line) => line !== "");
  const header = lines[0].split("\t");
  if (header.join("\t") !== expectedColumns.join("\t")) {
    throw new Error(`${file}: expected columns ${expectedColumns.join(", ")}, found ${header.join(", ")}`);
  }
  return lines.slice(1).map((line, index) => {
    const cells = line.split("\t");
    if (cells.length !== header.length) {
      throw new Error(`${file}:${index + 2}: expected ${header.length} cells, found ${cells.length}`);
    }
    return Object.fromEntries(header.map((column, i) => [column, cells[i]]));
  });
}

function sortedObject(entries) {
  return Object.fromEntries([...entries].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/**
 * Keys without a dot are connector/format/model/sql-gateway options documented without their
 * prefix (`address`, `timeout`, `max-tokens`); they are not cluster keys. Except reactive mode's
 * `scheduler-mode` (JobManagerOptions.SCHEDULER_MODE), documented with the JobManager's options.
 */
const DOTLESS_CLUSTER_KEYS = new Set(["scheduler-mode"]);

function isClusterKey(key) {
  return key.includes(".") || DOTLESS_CLUSTER_KEYS.has(key);
}

/**
 * Table options are documented with the execution modes they apply to in the key cell
 * (`table.exec.async-lookup.timeout Batch Streaming`); the key is the first word. Flink's released jars
 * showed it: no option has a space in its key.
 */
function documentedKey(cell) {
  return cell.replace(/( (Batch|Streaming))+$/, "");
}

function buildOptions(rows, version, log) {
  const options = new Map();
  let dropped = 0;
  for (const { key: cell, ...row } of rows) {
    const key = documentedKey(cell);
    if (!isClusterKey(key)) {
      dropped++;
      continue;
    }
    if (options.has(key)) {
      log(`${version}: option ${key} is listed twice; keeping the first row`);
      continue;
    }
    const option = { type: row.type, default: row.default };
    if (row.enum_values !== "") option.enum = row.enum_values.split("|");
    options.set(key, option);
  }
  log(`${version}: kept ${options.size} options, dropped ${dropped} keys without a "."`);
  return { options, dropped };
}

function buildDeprecated(rows, options, version, log) {
  const currentKeysByOldKey = new Map();
  for (const row of rows) {
    if (row.kind !== "deprecated") continue; // fallback keys are live options of their own
    const oldKey = row.deprecated_or_fallback_key;
    const currentKey = row.option_key;
    if (oldKey.startsWith(UNRESOLVED_PREFIX) || currentKey.startsWith(UNRESOLVED_PREFIX)) continue;
    // Old names of dropped unprefixed options (model `maxTokens` -> `max-tokens`) would point nowhere.
    if (!isClusterKey(currentKey)) continue;
    // Connector, format and model options are table WITH options, not cluster keys (Hive's
    // streaming-source.consume-order): no cluster reads them from config.yaml.
    if (TABLE_OPTION_MODULES.some((prefix) => row.source_path.startsWith(prefix))) continue;
    // An old key that is still documented is not deprecated for the user (e.g. a key listed as its
    // own deprecated key).
    if (options.has(oldKey)) continue;
    const currentKeys = currentKeysByOldKey.get(oldKey) ?? new Set();
    currentKeys.add(currentKey);
    currentKeysByOldKey.set(oldKey, currentKeys);
  }
  // Several current keys can read one old key (web.port feeds rest.port and rest.bind-port): all
  // are kept, so that a user is told the choice instead of being given one of them silently.
  const deprecated = new Map();
  for (const [oldKey, currentKeys] of currentKeysByOldKey) {
    deprecated.set(oldKey, [...currentKeys].sort());
  }
  log(`${version}: ${deprecated.size} deprecated keys`);
  return deprecated;
}

function buildCatalog({ version, ref, commit }, log) {
  const optionRows = readTsv(path.join(REFERENCE_DIR, `config-options-${version}.tsv`), OPTION_COLUMNS);
  const deprecationRows = readTsv(path.join(REFERENCE_DIR, `deprecated-keys-${version}.tsv`), DEPRECATION_COLUMNS);
  const { options } = buildOptions(optionRows, version, log);
  const deprecated = buildDeprecated(deprecationRows, options, version, log);
  return {
    version,
    source: { repository: REPOSITORY, ref, commit },
    options: sortedObject(options),
    deprecated: sortedObject(deprecated),
  };
}

function catalogFileName(version) {
  return path.join(CATALOG_DIR, `flink-${version}.json`);
}

function render(catalog) {
  return JSON.stringify(catalog, null, 1) + "\n";
}

function main() {
  const check = process.argv.includes("--check");
  if (!fs.existsSync(REFERENCE_DIR)) {
    console.error(`Flink reference data not found at ${REFERENCE_DIR}; set FLINK_REFERENCE_DIR.`);
    process.exit(2);
  }
  // In --check mode only a failure is worth printing.
  const log = check ? () => {} : (message) => console.log(message);
  const outputs = VERSIONS.map((source) => ({
    file: catalogFileName(source.version),
    text: render(buildCatalog(source, log)),
  }));

  if (check) {
    const stale = outputs.filter(({ file, text }) => !fs.existsSync(file) || fs.readFileSync(file, "utf8") !== text);
    if (stale.length > 0) {
      const names = stale.map(({ file }) => path.relative(REPO_ROOT, file)).join(", ");
      console.error(`Out of date: ${names}. Run \`npm run catalog\` and commit the result.`);
      process.exit(1);
    }
    console.log(`Catalog up to date (${outputs.length} files).`);
    return;
  }

  fs.mkdirSync(CATALOG_DIR, { recursive: true });
  for (const { file, text } of outputs) {
    fs.writeFileSync(file, text);
    console.log(`wrote ${path.relative(REPO_ROOT, file)}`);
  }
}

main();
