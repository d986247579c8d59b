import { describe, expect, it } from "vitest";
import { GantryError } from "@/lib/errors";
import {
  assertCan,
  assertCoarse,
  can,
  coarseRefusal,
  PERMISSIONS,
  type Permission,
  type PermissionResource,
  refusal,
} from "@/lib/identity/permissions";
import { actorOf, type CiToken, type Person, progressionRule } from "@/lib/identity/principal";

function person(id: string, grants: Partial<Person> = {}): Person {
  return {
    kind: "person",
    id,
    name: id,
    email: `${id}@example.com`,
    roles: ["viewer"],
    teams: [],
    approverEnvironments: [],
    breakGlass: false,
    gitLogin: null,
    ...grants,
  };
}

const viewer = person("viewer");
const developer = person("dev", { roles: ["developer"], teams: ["payments"] });
const otherDeveloper = person("other", { roles: ["developer"], teams: ["checkout"] });
const prodApprover = person("approver", { roles: ["approver"], approverEnvironments: ["prod"] });
const anyApprover = person("any", { roles: ["approver"], approverEnvironments: ["*"] });
const admin = person("admin", { roles: ["admin"] });
const breakGlass = person("glass", { roles: ["developer"], teams: ["payments"], breakGlass: true });

const ciRead: CiToken = {
  kind: "ci_token",
  id: "tok-read-0001",
  name: "ci-read",
  scopes: ["promotions:read"],
};
const ciWrite: CiToken = {
  kind: "ci_token",
  id: "tok-write-0002",
  name: "ci-write",
  scopes: ["promotions:read", "promotions:write"],
};
const ciNone: CiToken = { kind: "ci_token", id: "tok-none-0003", name: "ci-none", scopes: [] };

/** A prod promotion of a payments app, asked for by someone else. */
const prodPromotion: PermissionResource = {
  team: "payments",
  environment: "prod",
  authorId: "someone",
  authorEmail: "someone@example.com",
};

const PROMOTION_CHANGES: Permission[] = [
  "promotion:request",
  "promotion:merge",
  "promotion:close",
  "promotion:retry",
];
const ADMIN_ONLY: Permission[] = [
  "promotion:skip_order",
  "catalogue:import",
  "audit:verify",
  "cluster:manage",
  "token:manage_ci",
  "user:manage",
];

const EVERY_PERSON: Permission[] = [
  "catalogue:read",
  "promotion:read",
  "audit:read",
  "token:manage_own",
];

describe("permissions: the table", () => {
  it("has every permission tested here in one group (a new permission needs its tests)", () => {
    const grouped = [
      ...EVERY_PERSON,
      ...PROMOTION_CHANGES,
      ...ADMIN_ONLY,
      "promotion:approve",
      "promotion:break_glass",
      "audit:export",
      "release:register",
    ].sort();
    expect(grouped).toEqual([...PERMISSIONS].sort());
  });
});

describe("permissions: signed out", () => {
  it("refuses every permission with 'sign in first', and assertCan throws unauthenticated", () => {
    for (const permission of PERMISSIONS) {
      expect(refusal(null, permission, prodPromotion)).toBe("sign in first");
      expect(() => assertCan(null, permission, prodPromotion)).toThrowError(
        expect.objectContaining({ code: "unauthenticated" }),
      );
    }
  });
});

describe("permissions: viewer", () => {
  it("reads and manages their own tokens", () => {
    for (const permission of [
      "catalogue:read",
      "promotion:read",
      "audit:read",
      "token:manage_own",
    ] as const) {
      expect(can(viewer, permission)).toBe(true);
    }
  });
  it("changes nothing", () => {
    for (const permission of [...PROMOTION_CHANGES, ...ADMIN_ONLY, "promotion:approve" as const]) {
      expect(can(viewer, permission, prodPromotion)).toBe(false);
    }
    expect(can(viewer, "audit:export")).toBe(false);
    expect(can(viewer, "promotion:break_glass")).toBe(false);
  });
  it("is refused with a forbidden GantryError naming the permission", () => {
    try {
      assertCan(viewer, "promotion:request", prodPromotion);
      expect.unreachable("assertCan should throw");
    } catch (error) {
      expect(error).toBeInstanceOf(GantryError);
      expect(error).toMatchObject({
        code: "forbidden",
        message: "only developers of team payments (or an admin) may do this",
        details: { permission: "promotion:request" },
      });
    }
  });
});

describe("permissions: developer", () => {
  it("requests, merges, closes and retries promotions of their team's apps", () => {
    for (const permission of PROMOTION_CHANGES) {
      expect(refusal(developer, permission, prodPromotion)).toBeNull();
    }
  });
  it("does none of that for another team's apps", () => {
    for (const permission of PROMOTION_CHANGES) {
      expect(refusal(otherDeveloper, permission, prodPromotion)).toBe(
        "only developers of team payments (or an admin) may do this",
      );
    }
  });
  it("is refused when the app's team is not known", () => {
    expect(refusal(developer, "promotion:request", { environment: "prod" })).toBe(
      "only a developer of the application's team (or an admin) may do this",
    );
  });
  it("may close, retry and merge a promotion they asked for, but not request for another team", () => {
    const own = { ...prodPromotion, authorId: otherDeveloper.id };
    expect(can(otherDeveloper, "promotion:close", own)).toBe(true);
    expect(can(otherDeveloper, "promotion:retry", own)).toBe(true);
    expect(can(otherDeveloper, "promotion:merge", own)).toBe(true);
    expect(can(otherDeveloper, "promotion:request", own)).toBe(false);
  });
  it("recognises their own promotion by e-mail (case-insensitive) when it has no author id", () => {
    const legacy = {
      team: "payments",
      environment: "prod",
      authorId: null,
      authorEmail: "OTHER@example.com",
    };
    expect(can(otherDeveloper, "promotion:close", legacy)).toBe(true);
    expect(
      can(otherDeveloper, "promotion:close", { ...legacy, authorEmail: "x@example.com" }),
    ).toBe(false);
  });
  it("never approves, even for their own team", () => {
    expect(refusal(developer, "promotion:approve", prodPromotion)).toBe(
      "you are not an approver for prod",
    );
  });
  it("breaks a freeze only with break-glass", () => {
    expect(refusal(developer, "promotion:break_glass")).toBe(
      "only people with break-glass may promote during a freeze",
    );
    expect(can(breakGlass, "promotion:break_glass")).toBe(true);
  });
  it("does no admin work and does not export the audit log", () => {
    for (const permission of [...ADMIN_ONLY, "audit:export" as const]) {
      expect(can(developer, permission)).toBe(false);
    }
  });
});

describe("permissions: approver", () => {
  it("approves into the environments named, and no other", () => {
    expect(can(prodApprover, "promotion:approve", prodPromotion)).toBe(true);
    expect(
      refusal(prodApprover, "promotion:approve", { ...prodPromotion, environment: "staging" }),
    ).toBe("you are not an approver for staging");
    expect(can(prodApprover, "promotion:approve", { team: "payments" })).toBe(false);
  });
  it("approves everywhere with *", () => {
    expect(
      can(anyApprover, "promotion:approve", { ...prodPromotion, environment: "staging" }),
    ).toBe(true);
  });
  it("never approves their own promotion (four eyes), by id or by e-mail", () => {
    const byId = { ...prodPromotion, authorId: prodApprover.id };
    expect(refusal(prodApprover, "promotion:approve", byId)).toBe(
      "you asked for this promotion, so someone else must approve it (four eyes)",
    );
    const byEmail = { ...prodPromotion, authorId: null, authorEmail: prodApprover.email };
    expect(can(prodApprover, "promotion:approve", byEmail)).toBe(false);
  });
  it("merges into their environments but does not request, close or retry there", () => {
    expect(can(prodApprover, "promotion:merge", prodPromotion)).toBe(true);
    expect(can(prodApprover, "promotion:merge", { ...prodPromotion, environment: "staging" })).toBe(
      false,
    );
    expect(can(prodApprover, "promotion:request", prodPromotion)).toBe(false);
    expect(can(prodApprover, "promotion:close", prodPromotion)).toBe(false);
    expect(can(prodApprover, "promotion:retry", prodPromotion)).toBe(false);
  });
  it("exports the audit log but does no admin work", () => {
    expect(can(prodApprover, "audit:export")).toBe(true);
    for (const permission of ADMIN_ONLY) expect(can(prodApprover, permission)).toBe(false);
  });
  it("without the approver role, named environments give nothing", () => {
    const notApprover = person("x", { roles: ["viewer"], approverEnvironments: ["*"] });
    expect(can(notApprover, "promotion:approve", prodPromotion)).toBe(false);
  });
});

describe("permissions: admin", () => {
  it("may do everything but break a freeze without break-glass", () => {
    for (const permission of PERMISSIONS) {
      const expected = permission !== "promotion:break_glass";
      expect({ permission, allowed: can(admin, permission, prodPromotion) }).toEqual({
        permission,
        allowed: expected,
      });
    }
  });
  it("never approves their own promotion (four eyes holds for admins)", () => {
    expect(refusal(admin, "promotion:approve", { ...prodPromotion, authorId: admin.id })).toBe(
      "you asked for this promotion, so someone else must approve it (four eyes)",
    );
    expect(
      can(admin, "promotion:approve", {
        ...prodPromotion,
        authorId: null,
        authorEmail: "ADMIN@example.com",
      }),
    ).toBe(false);
  });
});

describe("permissions: CI tokens", () => {
  it("read with promotions:read or promotions:write, not without", () => {
    for (const permission of ["catalogue:read", "promotion:read", "audit:read"] as const) {
      expect(can(ciRead, permission)).toBe(true);
      expect(can(ciWrite, permission)).toBe(true);
      expect(refusal(ciNone, permission)).toBe(
        'the API token "ci-none" lacks the promotions:read scope',
      );
    }
  });
  it("request promotions only with promotions:write, for any team", () => {
    expect(can(ciWrite, "promotion:request", prodPromotion)).toBe(true);
    expect(refusal(ciRead, "promotion:request", prodPromotion)).toBe(
      'the API token "ci-read" lacks the promotions:write scope',
    );
  });
  it("close and retry only their own promotions (by id, or by the e-mail they are recorded under)", () => {
    for (const permission of ["promotion:close", "promotion:retry"] as const) {
      expect(can(ciWrite, permission, { ...prodPromotion, authorId: ciWrite.id })).toBe(true);
      expect(
        can(ciWrite, permission, {
          ...prodPromotion,
          authorId: null,
          authorEmail: "api-token+tok-writ@gantry.local",
        }),
      ).toBe(true);
      expect(can(ciWrite, permission, prodPromotion)).toBe(false);
      expect(can(ciRead, permission, { ...prodPromotion, authorId: ciRead.id })).toBe(false);
    }
  });
  it("never approve or merge, even their own promotion with every scope", () => {
    const own = { ...prodPromotion, authorId: ciWrite.id };
    expect(refusal(ciWrite, "promotion:approve", own)).toBe(
      "an API token cannot do this (promotion:approve); a person must",
    );
    expect(can(ciWrite, "promotion:merge", own)).toBe(false);
  });
  it("do no admin work, export nothing, manage no tokens, break no freeze", () => {
    for (const permission of [
      ...ADMIN_ONLY,
      "audit:export",
      "token:manage_own",
      "promotion:break_glass",
    ] as const) {
      expect(can(ciWrite, permission, prodPromotion)).toBe(false);
    }
  });
});

describe("coarse checks (wrappers, before the domain checks the resource)", () => {
  it("refuses the signed out everything", () => {
    for (const permission of PERMISSIONS) {
      expect(coarseRefusal(null, permission)).toBe("sign in first");
      expect(() => assertCoarse(null, permission)).toThrowError(
        expect.objectContaining({ code: "unauthenticated" }),
      );
    }
  });
  it("lets a developer of some team try to request, and a person without a team not", () => {
    expect(coarseRefusal(developer, "promotion:request")).toBeNull();
    expect(
      coarseRefusal(person("teamless", { roles: ["developer"] }), "promotion:request"),
    ).not.toBeNull();
    expect(coarseRefusal(viewer, "promotion:request")).not.toBeNull();
    expect(coarseRefusal(prodApprover, "promotion:request")).not.toBeNull();
  });
  it("lets approvers of some environment (and admins) try to approve, nobody else", () => {
    expect(coarseRefusal(prodApprover, "promotion:approve")).toBeNull();
    expect(coarseRefusal(anyApprover, "promotion:approve")).toBeNull();
    expect(coarseRefusal(admin, "promotion:approve")).toBeNull();
    expect(coarseRefusal(developer, "promotion:approve")).not.toBeNull();
    expect(coarseRefusal(ciWrite, "promotion:approve")).not.toBeNull();
  });
  it("lets any person try to merge, close or retry (their own promotion may be the one)", () => {
    for (const permission of ["promotion:merge", "promotion:close", "promotion:retry"] as const) {
      expect(coarseRefusal(viewer, permission)).toBeNull();
    }
  });
  it("lets a CI token with promotions:write try to close or retry (its own), never merge", () => {
    expect(coarseRefusal(ciWrite, "promotion:close")).toBeNull();
    expect(coarseRefusal(ciWrite, "promotion:retry")).toBeNull();
    expect(coarseRefusal(ciRead, "promotion:close")).not.toBeNull();
    expect(coarseRefusal(ciWrite, "promotion:merge")).not.toBeNull();
  });
  it("is the full check for permissions that are not about a resource", () => {
    for (const permission of ADMIN_ONLY) {
      expect(coarseRefusal(developer, permission)).toBe("only an admin may do this");
      expect(coarseRefusal(admin, permission)).toBeNull();
      expect(() => assertCoarse(developer, permission)).toThrowError(
        expect.objectContaining({ code: "forbidden", details: { permission } }),
      );
    }
  });
});

describe("permissions: a person through a personal API token", () => {
  const readToken = { ...admin, tokenScopes: ["promotions:read"] };
  const writeToken = { ...developer, tokenScopes: ["promotions:write"] };

  it("reads (and exports the audit log) within promotions:read, changes nothing", () => {
    expect(can(readToken, "catalogue:read")).toBe(true);
    expect(can(readToken, "audit:export")).toBe(true);
    expect(refusal(readToken, "promotion:request", { team: "payments" })).toBe(
      "this personal API token lacks the promotions:write scope",
    );
  });

  it("acts on promotions with promotions:write, never beyond the owner's own grants", () => {
    expect(can(writeToken, "promotion:request", { team: "payments" })).toBe(true);
    expect(can(writeToken, "promotion:request", { team: "checkout" })).toBe(false);
    expect(can(writeToken, "promotion:approve", { environment: "prod" })).toBe(false);
  });

  it("does no administration, even for an admin with a write token", () => {
    const adminWrite = { ...admin, tokenScopes: ["promotions:read", "promotions:write"] };
    for (const permission of [
      "user:manage",
      "token:manage_own",
      "token:manage_ci",
      "cluster:manage",
      "catalogue:import",
      "audit:verify",
    ] as const) {
      expect(refusal(adminWrite, permission)).toMatch(/personal API token cannot do this/);
    }
  });
});

describe("permissions: registering releases", () => {
  const paymentsCi: CiToken = {
    kind: "ci_token",
    id: "tok-rel-0004",
    name: "payments-ci",
    scopes: ["releases:write"],
    teams: ["payments"],
  };

  it("lets a CI token register only for its named teams, and only with releases:write", () => {
    expect(can(paymentsCi, "release:register", { team: "payments" })).toBe(true);
    expect(refusal(paymentsCi, "release:register", { team: "checkout" })).toBe(
      'the API token "payments-ci" may register releases only for team payments, not for team checkout',
    );
    expect(refusal(ciWrite, "release:register", { team: "payments" })).toBe(
      'the API token "ci-write" lacks the releases:write scope',
    );
    expect(coarseRefusal(paymentsCi, "release:register")).toBeNull();
    expect(coarseRefusal({ ...paymentsCi, teams: [] }, "release:register")).toMatch(
      /names no team/,
    );
  });

  it("lets developers of the team and admins register; a personal token needs releases:write", () => {
    expect(can(developer, "release:register", { team: "payments" })).toBe(true);
    expect(can(otherDeveloper, "release:register", { team: "payments" })).toBe(false);
    expect(can(admin, "release:register", { team: "payments" })).toBe(true);
    expect(can(viewer, "release:register", { team: "payments" })).toBe(false);
    expect(
      refusal({ ...developer, tokenScopes: ["promotions:write"] }, "release:register", {
        team: "payments",
      }),
    ).toBe("this personal API token lacks the releases:write scope");
    expect(coarseRefusal(developer, "release:register")).toBeNull();
  });

  it("lets a progression rule request and merge its own promotions in its environment only", () => {
    const rule = progressionRule({
      rule: "on-release",
      environment: { id: "env-dev", name: "dev" },
    });
    const own = { team: "payments", environment: "dev", authorEmail: actorOf(rule).email };
    expect(can(rule, "promotion:request", { team: "payments", environment: "dev" })).toBe(true);
    expect(can(rule, "promotion:request", { team: "payments", environment: "prod" })).toBe(false);
    expect(can(rule, "promotion:merge", own)).toBe(true);
    expect(can(rule, "promotion:merge", { ...own, authorEmail: "someone@example.com" })).toBe(
      false,
    );
    expect(can(rule, "promotion:approve", own)).toBe(false);
    expect(can(rule, "promotion:break_glass", own)).toBe(false);
    expect(can(rule, "release:register", { team: "payments" })).toBe(false);
  });
});
