import { App } from "cdktf";
import { upgradeWalkthroughAfter, upgradeWalkthroughBefore } from "./main";

/** The walkthrough's cdktf app: WALKTHROUGH=before (the default) or after picks the version to synthesize. */
const version = process.env.WALKTHROUGH ?? "before";
if (version !== "before" && version !== "after") throw new Error(`WALKTHROUGH must be "before" or "after" (got "${version}")`);
const app = new App();
(version === "after" ? upgradeWalkthroughAfter : upgradeWalkthroughBefore)(app);
app.synth();
