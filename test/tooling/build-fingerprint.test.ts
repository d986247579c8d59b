import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sourcesFingerprint } from "../../scripts/build";

/**
 * `npm start` reuses the production build while its inputs are unchanged:
 * what counts is their contents (a fresh clone's new file times are no
 * change), and every input counts (the sources, the lockfile).
 */
describe("the production build's fingerprint", () => {
  let base: string;
  const write = (file: string, text: string) => {
    fs.mkdirSync(path.dirname(path.join(base, file)), { recursive: true });
    fs.writeFileSync(path.join(base, file), text);
  };
  beforeAll(() => {
    base = fs.mkdtempSync(path.join(os.tmpdir(), "gantry-fingerprint-"));
    write("app/page.tsx", "export default function Page() {}\n");
    write("lib/catalogue/list.ts", "export const list = 1;\n");
    write("lib/catalogue/list.test.ts", "// a test\n");
    write("lib/generated/prisma/client.ts", "// generated\n");
    write("package-lock.json", '{"lockfileVersion":3}\n');
  });
  afterAll(() => fs.rmSync(base, { recursive: true, force: true }));

  it("ignores file times, tests and generated code, and follows sources and the lockfile", () => {
    const first = sourcesFingerprint(base);
    const later = new Date(Date.now() + 60_000);
    fs.utimesSync(path.join(base, "app/page.tsx"), later, later);
    write("lib/catalogue/list.test.ts", "// another test\n");
    write("lib/generated/prisma/client.ts", "// generated again\n");
    expect(sourcesFingerprint(base)).toBe(first);

    write("lib/catalogue/list.ts", "export const list = 2;\n");
    const edited = sourcesFingerprint(base);
    expect(edited).not.toBe(first);
    write("package-lock.json", '{"lockfileVersion":3,"packages":{}}\n');
    expect(sourcesFingerprint(base)).not.toBe(edited);
  });
});
