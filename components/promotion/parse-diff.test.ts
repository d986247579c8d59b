import { describe, expect, it } from "vitest";
import { parseUnifiedDiff } from "./parse-diff";

const DIFF = `Index: apps/payments/envs/prod/values.yaml
===================================================================
--- apps/payments/envs/prod/values.yaml
+++ apps/payments/envs/prod/values.yaml
@@ -2,5 +2,5 @@
 image:
   repository: registry.example.com/payments
-  tag: "1.41.0" # set by promotion
+  tag: "1.42.0" # set by promotion
 replicas: 3
\\ No newline at end of file
`;

describe("parseUnifiedDiff", () => {
  it("numbers old and new lines from the hunk header", () => {
    const lines = parseUnifiedDiff(DIFF);
    expect(lines.filter((l) => l.kind === "file")).toHaveLength(2);
    expect(lines.find((l) => l.kind === "removed")).toEqual({
      kind: "removed",
      text: '  tag: "1.41.0" # set by promotion',
      oldLine: 4,
      newLine: null,
    });
    expect(lines.find((l) => l.kind === "added")).toEqual({
      kind: "added",
      text: '  tag: "1.42.0" # set by promotion',
      oldLine: null,
      newLine: 4,
    });
    expect(lines.at(-1)).toEqual({ kind: "note", text: "\\ No newline at end of file" });
    const last = lines.filter((l) => l.kind === "context").at(-1);
    expect(last).toMatchObject({ text: "replicas: 3", oldLine: 5, newLine: 5 });
  });

  it("returns nothing for an empty diff", () => {
    expect(parseUnifiedDiff("")).toEqual([]);
  });
});
