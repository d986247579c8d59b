import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { readPlainYaml, readPlainYamlDocuments } from "./plain-yaml";

const APPLICATION = `# The payments API in production.
---
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: payments-api-production
  namespace: argocd
  labels:
    team: payments
    app.kubernetes.io/part-of: "checkout"
  annotations:
    argocd.argoproj.io/sync-wave: '2'
spec:
  project: default
  source:
    repoURL: https://git.example.com/platform/gitops.git   # this repository
    targetRevision: main
    path: charts/service
    helm:
      valueFiles:
      - values.yaml
      - ../../values/payments-api/production.yaml
      releaseName: payments-api
  destination:
    server: https://kubernetes.default.svc
    namespace: payments
  syncPolicy:
    automated:
      prune: true
      selfHeal: false
    retry:
      limit: 5
      backoff:
        duration: 5s
    syncOptions:
      - CreateNamespace=true
      - ServerSideApply=true
`;

const VALUES = `replicaCount: 2
image:
  repository: ghcr.io/acme/payments-api
  tag: "1.4.2"
  pullPolicy: IfNotPresent
resources: ~
nodeSelector:
env:
  - name: LOG_LEVEL
    value: info
  - name: FEATURE_X
    value: "on"
`;

/** What the `yaml` package makes of the text: the reference the fast reader must match. */
function reference(text: string): { ok: true; documents: unknown[] } | { ok: false } {
  const docs = parseAllDocuments(text);
  if (!Array.isArray(docs) || docs.some((doc) => doc.errors.length > 0)) return { ok: false };
  return { ok: true, documents: docs.map((doc) => doc.toJS()) };
}

function expectSameAsYaml(text: string): void {
  const fast = readPlainYamlDocuments(text);
  if (fast === undefined) return;
  const expected = reference(text);
  expect(expected, `yaml refuses what the fast reader read:\n${text}`).toMatchObject({ ok: true });
  if (expected.ok) expect(fast, text).toStrictEqual(expected.documents);
}

describe("readPlainYamlDocuments", () => {
  it("reads the plain manifests and values files discovery meets, exactly as yaml does", () => {
    for (const text of [APPLICATION, VALUES, `${APPLICATION}---\n${VALUES}`]) {
      expect(readPlainYamlDocuments(text), text).toStrictEqual(
        (reference(text) as { documents: unknown[] }).documents,
      );
    }
    expect(readPlainYamlDocuments(APPLICATION)).toHaveLength(1);
    expect(readPlainYamlDocuments(`${APPLICATION}---\n${VALUES}`)).toHaveLength(2);
    expect(readPlainYaml(VALUES)).toMatchObject({
      image: { tag: "1.4.2" },
      resources: null,
      nodeSelector: null,
      env: [{ name: "LOG_LEVEL" }, { value: "on" }],
    });
  });

  it("reads scalars as the YAML 1.2 core schema does", () => {
    const text =
      "a: 010\nb: -3\nc: yes\nd: on\ne: 1.2.3\nf: True\ng: ~\nh: Null\ni: a#b\nj: a # note\nk: -x\nl: ''\nm: \"\"\nn: 1:20\n";
    expect(readPlainYaml(text)).toStrictEqual({
      a: 10,
      b: -3,
      c: "yes",
      d: "on",
      e: "1.2.3",
      f: true,
      g: null,
      h: null,
      i: "a#b",
      j: "a",
      k: "-x",
      l: "",
      m: "",
      n: "1:20",
    });
    expectSameAsYaml(text);
  });

  it("leaves to yaml everything outside the plain subset", () => {
    for (const text of [
      "a: &x 1\nb: *x\n",
      "<<: {a: 1}\n",
      "a: [1, 2]\n",
      "a: {b: 1}\n",
      "a: |\n  text\n",
      "a: >\n  text\n",
      "a: !!str 1\n",
      "a: 1.5\n",
      "a: 1e3\n",
      "a: 0x1f\n",
      "a: .inf\n",
      'a: "tab\\tin"\n',
      "a: 'it''s'\n",
      "a: 1\na: 2\n",
      "a: b: c\n",
      "a:\n  b: 1\n c: 2\n",
      "a: one\n  two\n",
      "a: 1\r\nb: 2\r\n",
      "\uFEFFa: 1\n",
      "a:\tb\n",
      "? a\n: b\n",
      '"a": 1\n',
      "true: 1\n",
      "__proto__: 1\n",
      "a: 1\n...\n",
      "%YAML 1.2\n---\na: 1\n",
      "# only a comment\n",
      "",
      "a: 1\n---\n",
      "- - a\n",
      "-\n  a: 1\n",
      "a: 'open\n  close'\n",
      "  a: 1\n",
      "a: 123456789012345678\n",
    ]) {
      expect(readPlainYamlDocuments(text), JSON.stringify(text)).toBeUndefined();
    }
  });

  it("never reads a file differently from yaml, whatever the file", () => {
    // Deterministic mutations of real-looking files: each must read as yaml reads it, or be left to yaml.
    let seed = 15;
    const random = (below: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % below;
    };
    const pieces = [
      " ",
      "  ",
      "\n",
      "- ",
      ":",
      ": ",
      "#",
      " #",
      "'",
      '"',
      "-",
      "a",
      "0",
      "1.5",
      "~",
      "---\n",
      "&",
      "*",
      "{",
      "[",
    ];
    for (const base of [APPLICATION, VALUES]) {
      for (let round = 0; round < 1500; round++) {
        let text = base;
        for (let edit = 1 + random(3); edit > 0; edit--) {
          const at = random(text.length);
          text =
            random(2) === 0
              ? text.slice(0, at) + (pieces[random(pieces.length)] ?? "") + text.slice(at)
              : text.slice(0, at) + text.slice(at + 1 + random(4));
        }
        expectSameAsYaml(text);
      }
    }
  });
});
