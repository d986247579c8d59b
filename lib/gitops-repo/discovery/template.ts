import { placeholdersOf } from "@/lib/gitops-repo/layout-file";

export interface CompiledTemplate {
  source: string;
  /** The placeholders a path matched, by name (`{*}` names nothing); null when it does not match. */
  match(path: string): Record<string, string> | null;
  /** The template with placeholders filled in; null when one of them has no value. */
  fill(values: Record<string, string>): string | null;
}

/** `{env}/{team}/{app}/values.yaml` → a matcher where each placeholder is part of one path segment. */
export function compileTemplate(source: string): CompiledTemplate {
  const names: string[] = [];
  let pattern = "";
  let last = 0;
  for (const match of source.matchAll(/\{([^{}]*)\}/g)) {
    pattern += escapeRegex(source.slice(last, match.index));
    const name = match[1] ?? "";
    pattern += "([^/]+)";
    names.push(name);
    last = (match.index ?? 0) + match[0].length;
  }
  pattern += escapeRegex(source.slice(last));
  const regex = new RegExp(`^${pattern}$`);
  return {
    source,
    match(path) {
      const found = regex.exec(path);
      if (!found) return null;
      const values: Record<string, string> = {};
      names.forEach((name, index) => {
        if (name !== "*") values[name] = found[index + 1] ?? "";
      });
      return values;
    },
    fill(values) {
      let missing = false;
      const filled = source.replace(/\{([^{}]*)\}/g, (_, name: string) => {
        const value = values[name];
        if (value === undefined) missing = true;
        return value ?? "";
      });
      return missing || placeholdersOf(filled).length > 0 ? null : filled;
    },
  };
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
