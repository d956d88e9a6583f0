import * as fs from "fs";
import * as path from "path";
import { App } from "cdktf";

/** Calls, with `app`, every function examples/app.ts imports from the example modules, as app.ts does. */
export function addExamples(app: App): void {
  const examplesDir = path.join(__dirname, "..", "..", "examples");
  const source = fs.readFileSync(path.join(examplesDir, "app.ts"), "utf8");
  const imports = [...source.matchAll(/import\s*\{([^}]*)\}\s*from\s*"(\.[^"]+)"/g)];
  if (imports.length === 0) throw new Error("examples/app.ts imports no example");
  for (const [, names, from] of imports) {
    const mod = require(path.join(examplesDir, from)) as Record<string, unknown>;
    for (const name of names.split(",").map((n) => n.trim()).filter(Boolean)) {
      const example = mod[name];
      if (typeof example !== "function") throw new Error(`examples/app.ts imports ${name} from ${from}, which is not a function`);
      example(app);
    }
  }
}

