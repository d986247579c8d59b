import { describe, expect, it } from "vitest";
import { configProblems, type GroupMap, parseConfig } from "@/lib/config";
import { grantsFromGroups, groupsFromClaims } from "@/lib/people/oidc";

const map: GroupMap = {
  "payments-devs": {
    roles: ["developer"],
    teams: ["payments"],
    approverEnvironments: [],
    breakGlass: false,
  },
  "prod-approvers": {
    roles: ["approver"],
    teams: ["prod-approvers"],
    approverEnvironments: ["prod"],
    breakGlass: false,
  },
  sre: {
    roles: ["developer", "approver"],
    teams: ["platform"],
    approverEnvironments: ["*"],
    breakGlass: true,
  },
  admins: { roles: ["admin"], teams: [], approverEnvironments: [], breakGlass: false },
};

describe("grantsFromGroups", () => {
  it("is a viewer with no matching group", () => {
    expect(grantsFromGroups([], map)).toEqual({
      roles: ["viewer"],
      teams: [],
      approverEnvironments: [],
      breakGlass: false,
    });
    expect(grantsFromGroups(["marketing", "toString", "__proto__"], map).roles).toEqual(["viewer"]);
  });

  it("is the union over the person's groups, weakest role first", () => {
    expect(grantsFromGroups(["prod-approvers", "payments-devs", "unknown"], map)).toEqual({
      roles: ["developer", "approver"],
      teams: ["payments", "prod-approvers"],
      approverEnvironments: ["prod"],
      breakGlass: false,
    });
    expect(grantsFromGroups(["sre", "prod-approvers", "sre"], map)).toEqual({
      roles: ["developer", "approver"],
      teams: ["platform", "prod-approvers"],
      approverEnvironments: ["*", "prod"],
      breakGlass: true,
    });
    expect(grantsFromGroups(["admins"], map).roles).toEqual(["admin"]);
  });

  it("matches group names exactly", () => {
    expect(grantsFromGroups(["Payments-Devs", "/payments-devs"], map).roles).toEqual(["viewer"]);
  });
});

describe("groupsFromClaims", () => {
  it("reads a list, a separated string or a dotted path", () => {
    expect(groupsFromClaims({ groups: ["a", "b", 3, null] }, "groups")).toEqual(["a", "b"]);
    expect(groupsFromClaims({ groups: "a b,c" }, "groups")).toEqual(["a", "b", "c"]);
    expect(groupsFromClaims({ realm_access: { roles: ["x"] } }, "realm_access.roles")).toEqual([
      "x",
    ]);
    expect(groupsFromClaims({ "cognito:groups": ["y"] }, "cognito:groups")).toEqual(["y"]);
    expect(groupsFromClaims({}, "groups")).toEqual([]);
    expect(groupsFromClaims({ groups: { a: 1 } }, "groups")).toEqual([]);
  });
});

describe("OIDC configuration", () => {
  const base = {
    GANTRY_OIDC_ISSUER: "https://id.example.com/realms/acme/",
    GANTRY_OIDC_CLIENT_ID: "gantry",
    GANTRY_OIDC_CLIENT_SECRET: "s3cret",
  };

  it("is off without an issuer, and complete with one", () => {
    expect(parseConfig({}).oidc).toBeUndefined();
    const oidc = parseConfig({
      ...base,
      GANTRY_OIDC_GROUP_MAP: JSON.stringify({
        devs: { roles: ["developer"], teams: ["payments"] },
      }),
    }).oidc;
    expect(oidc).toEqual({
      issuer: "https://id.example.com/realms/acme",
      clientId: "gantry",
      clientSecret: "s3cret",
      groupsClaim: "groups",
      scopes: ["openid", "email", "profile"],
      groupMap: {
        devs: {
          roles: ["developer"],
          teams: ["payments"],
          approverEnvironments: [],
          breakGlass: false,
        },
      },
    });
  });

  it("names the variable that is wrong, never its value", () => {
    expect(configProblems({ GANTRY_OIDC_ISSUER: base.GANTRY_OIDC_ISSUER })).toEqual([
      "GANTRY_OIDC_CLIENT_ID: required with GANTRY_OIDC_ISSUER",
      "GANTRY_OIDC_CLIENT_SECRET: required with GANTRY_OIDC_ISSUER",
    ]);
    expect(configProblems({ GANTRY_OIDC_CLIENT_SECRET: "s3cret" })).toEqual([
      "GANTRY_OIDC_CLIENT_SECRET: set GANTRY_OIDC_ISSUER too, or leave it unset",
    ]);
    expect(configProblems({ ...base, GANTRY_OIDC_GROUP_MAP: "{not json" })[0]).toMatch(
      /^GANTRY_OIDC_GROUP_MAP: expected JSON like/,
    );
    const wrong = configProblems({
      ...base,
      GANTRY_OIDC_GROUP_MAP: JSON.stringify({ devs: { roles: ["wizard"], teamz: [] } }),
    });
    expect(wrong.join("\n")).toMatch(/^GANTRY_OIDC_GROUP_MAP\.devs\.roles\.0: expected some of/m);
    expect(wrong.join("\n")).toMatch(/GANTRY_OIDC_GROUP_MAP\.devs: .*teamz/);
    expect(configProblems({ ...base, GANTRY_OIDC_ISSUER: "ftp://x" })).toEqual([
      "GANTRY_OIDC_ISSUER: expected an http:// or https:// URL",
    ]);
    expect(JSON.stringify(configProblems({ ...base, GANTRY_OIDC_CLIENT_ID: "" }))).not.toContain(
      "s3cret",
    );
  });
});
