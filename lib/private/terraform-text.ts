/** cdktf's encoding of a string token: `${TfToken[TOKEN.42]}`. */
const TOKEN = /\$\{TfToken\[[^\]]*\]\}/g;

/**
 * Escapes Terraform's template sequences (`${` and `%{`) in the literal parts of `text`, leaving
 * cdktf tokens to become Terraform references. Terraform then renders the literal text unchanged
 * (a log4j `${sys:log.file}` stays as it is) and substitutes only the references.
 */
export function escapeTerraformTemplate(text: string): string {
  // Replacement functions, not strings: in a replacement string "$$" means one "$".
  const escape = (literal: string) => literal.replace(/\$\{/g, () => "$${").replace(/%\{/g, () => "%%{");
  let out = "";
  let last = 0;
  for (const match of text.matchAll(TOKEN)) {
    out += escape(text.slice(last, match.index)) + match[0];
    last = match.index! + match[0].length;
  }
  return out + escape(text.slice(last));
}

/** The inverse of escapeTerraformTemplate for text that Terraform has rendered: what a node receives. */
export function unescapeTerraformTemplate(text: string): string {
  return text.replace(/\$\$\{/g, () => "${").replace(/%%\{/g, () => "%{");
}
