import { App } from "cdktf";
import { blueprintExample } from "./blueprint/main";
import { configOnlyExample } from "./config-only/main";
import { ec2GeneratedTlsExample } from "./ec2-generated-tls/main";
import { ec2ExistingQuorumExample, ec2HaExample } from "./ec2-ha/main";
import { ec2ContainerExample, ec2StandaloneExample } from "./ec2-standalone/main";
import { eksExample } from "./eks/main";
import { emrApplicationExample, emrSessionExample } from "./emr-yarn/main";
import { kubernetesApplicationExample } from "./kubernetes-application/main";
import { kubernetesHaExample } from "./kubernetes-ha/main";
import { productionEc2Example, productionEksExample } from "./production/main";

/** Every example stack in one app, so `cdktf synth` renders them all. */
const app = new App();
configOnlyExample(app);
ec2StandaloneExample(app);
ec2ContainerExample(app);
kubernetesApplicationExample(app);
ec2HaExample(app);
ec2ExistingQuorumExample(app);
kubernetesHaExample(app);
eksExample(app);
ec2GeneratedTlsExample(app);
emrSessionExample(app);
emrApplicationExample(app);
productionEc2Example(app);
productionEksExample(app);
blueprintExample(app);
app.synth();
