import { App } from "cdktf";
import { configOnlyExample } from "./config-only/main";

/** Every example stack in one app, so `cdktf synth` renders them all. */
const app = new App();
configOnlyExample(app);
app.synth();
