import { describe, expect, it } from "vitest";
import { generateDemoRepository, streamDemoRepository } from "@/lib/demo/generate-repository";

const END = new Date("2025-11-20T00:00:00Z");

describe("streamDemoRepository", () => {
  it("yields the same commits as the whole repository, one at a time", () => {
    const whole = generateDemoRepository({ apps: 300, endDate: END });
    const stream = streamDemoRepository({ apps: 300, endDate: END });
    expect(Array.isArray(stream.commits)).toBe(false);
    expect(stream.apps).toEqual(whole.apps);
    const streamed = [];
    for (const commit of stream.commits) streamed.push({ ...commit, changes: [...commit.changes] });
    expect(streamed).toEqual(whole.commits);
  });

  it("produces the import's files as they are read, and refuses to move on before they are", () => {
    const stream = streamDemoRepository({ apps: 300, endDate: END });
    stream.commits.next();
    const imported = stream.commits.next();
    if (imported.done) throw new Error("no import commit");
    expect(Array.isArray(imported.value.changes)).toBe(false);
    expect(() => stream.commits.next()).toThrow(/read the demo import's files/);
  });
});
