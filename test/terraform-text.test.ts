import { App, TerraformStack, TerraformVariable } from "cdktf";
import { resolve } from "cdktf/lib/_tokens";
import { escapeTerraformTemplate, unescapeTerraformTemplate } from "../lib/private/terraform-text";

describe("text that Terraform renders as a template", () => {
  test("literal ${ and %{ are escaped so Terraform leaves them as they are", () => {
    expect(escapeTerraformTemplate("file = ${sys:log.file} %{if x}")).toBe("file = $${sys:log.file} %%{if x}");
    expect(unescapeTerraformTemplate("file = $${sys:log.file} %%{if x}")).toBe("file = ${sys:log.file} %{if x}");
  });

  test("cdktf tokens stay tokens and become Terraform references", () => {
    const stack = new TerraformStack(new App(), "s");
    const bucket = new TerraformVariable(stack, "bucket", { type: "string" }).stringValue;
    const escaped = escapeTerraformTemplate(`dir: s3://${bucket}/cp\nlog: \${sys:log.file}\n`);
    expect(resolve(stack, escaped)).toBe("dir: s3://${var.bucket}/cp\nlog: $${sys:log.file}\n");
  });

  test("text without template sequences is unchanged", () => {
    const text = "a: 1\nb: %d{HH:mm} $HOME {x}\n";
    expect(escapeTerraformTemplate(text)).toBe(text);
  });
});
