import { Lazy, TerraformResource } from "cdktf";

/**
 * A resource's Terraform address (`<type>.<logical id>`), as a plan's resource_changes name it. Read at
 * synth, after any logical id override; a string token, so it stays plain data where it is kept.
 */
export function terraformAddress(resource: TerraformResource): string {
  return Lazy.stringValue({ produce: () => `${resource.terraformResourceType}.${resource.friendlyUniqueId}` });
}
