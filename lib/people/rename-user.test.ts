import { describe, expect, it } from "vitest";
import { boundedPersonName, PERSON_NAME_MAX } from "@/lib/people/rename-user";

describe("boundedPersonName (names from single sign-on)", () => {
  it("cuts a long name and turns line breaks and control characters into spaces", () => {
    expect(boundedPersonName("Ada\nLovelace\u0000")).toBe("Ada Lovelace");
    expect(boundedPersonName("x".repeat(10_000))).toHaveLength(PERSON_NAME_MAX);
    expect(boundedPersonName("\n\t")).toBe("Unnamed");
    expect(boundedPersonName("Grace Hopper")).toBe("Grace Hopper");
  });
});
