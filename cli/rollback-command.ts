import { parseArgs } from "node:util";
import { z } from "zod";
import { callPortal, portalTarget } from "@/cli/portal-http";
import { GantryError } from "@/lib/errors";
import { ReleaseHoldInput } from "@/lib/releases/release-hold";
import { RollBackInput } from "@/lib/releases/roll-back";

const TARGET_OPTIONS = { url: { type: "string" }, token: { type: "string" } } as const;

/** What the portal answers to a rollback: only what the CLI says back in words. */
const Proposal = z.object({ currentVersion: z.string(), version: z.string(), basis: z.string() });
const RolledBack = z.object({
  promotion: z.object({ id: z.string(), version: z.string(), previousVersion: z.string() }),
});
const Holds = z.object({ items: z.array(z.object({ id: z.string() })) });

interface CommandIo {
  args: string[];
  env: Record<string, string | undefined>;
  out: (text: string) => void;
  progress: (text: string) => void;
  fetch?: typeof fetch;
}

function refuseInput(error: z.ZodError, flags: Record<string, string>): never {
  throw new GantryError(
    "bad_request",
    error.issues
      .map((i) => {
        const field = String(i.path[0] ?? "");
        return `--${flags[field] ?? field}: ${i.message}`;
      })
      .join("; "),
  );
}

/**
 * `gantry rollback`: validates the flags with the API's own schema and asks
 * the portal (HTTP only, as `release create`), so a pipeline or a person on
 * call rolls back with a token and no database.
 */
export async function runRollback(params: CommandIo): Promise<number> {
  const { values } = parseArgs({
    args: params.args,
    options: {
      app: { type: "string" },
      env: { type: "string" },
      reason: { type: "string" },
      version: { type: "string" },
      "freeze-reason": { type: "string" },
      "dry-run": { type: "boolean" },
      ...TARGET_OPTIONS,
    },
    strict: true,
  });
  const flags = { app: "app", environment: "env", freezeReason: "freeze-reason" };
  const dryRun = values["dry-run"] === true;
  // A dry run asks for nothing, so it needs no reason.
  const schema = dryRun ? RollBackInput.pick({ app: true, environment: true }) : RollBackInput;
  const input = schema.safeParse(
    Object.fromEntries(
      Object.entries({
        app: values.app,
        environment: values.env,
        reason: values.reason,
        version: values.version,
        freezeReason: values["freeze-reason"],
      }).filter(([, value]) => value !== undefined),
    ),
  );
  if (!input.success) refuseInput(input.error, flags);
  const { app, ...body } = input.data;
  const target = portalTarget({
    url: values.url,
    token: values.token,
    env: params.env,
    needs: dryRun ? "promotions:read" : "promotions:write",
  });
  const path = `/api/v1/apps/${encodeURIComponent(app)}/rollback`;
  if (dryRun) {
    const answer = await callPortal({
      target,
      method: "GET",
      path: `${path}?environment=${encodeURIComponent(body.environment)}`,
      fetch: params.fetch,
    });
    const proposal = Proposal.safeParse(answer.body);
    if (proposal.success) {
      params.progress(
        `${app} in ${body.environment} would go from ${proposal.data.currentVersion} back to ${proposal.data.version}: ${proposal.data.basis}`,
      );
    }
    params.out(`${JSON.stringify(answer.body, null, 2)}\n`);
    return 0;
  }
  const answer = await callPortal({ target, method: "POST", path, body, fetch: params.fetch });
  const result = RolledBack.safeParse(answer.body);
  if (result.success) {
    const { promotion } = result.data;
    params.progress(
      `rolling ${app} back in ${body.environment} from ${promotion.previousVersion} to ${promotion.version} (promotion ${promotion.id}); ${promotion.previousVersion} is held`,
    );
  }
  params.out(`${JSON.stringify(answer.body, null, 2)}\n`);
  return 0;
}

/** `gantry hold list|release`: the holds rollbacks placed, over HTTP. */
export async function runHold(params: CommandIo): Promise<number> {
  const [action, ...rest] = params.args;
  if (action === "list") {
    const { values } = parseArgs({
      args: rest,
      options: { app: { type: "string" }, ...TARGET_OPTIONS },
      strict: true,
    });
    const input = RollBackInput.pick({ app: true }).safeParse({ app: values.app });
    if (!input.success) refuseInput(input.error, {});
    const answer = await callPortal({
      target: portalTarget({
        url: values.url,
        token: values.token,
        env: params.env,
        needs: "promotions:read",
      }),
      method: "GET",
      path: `/api/v1/apps/${encodeURIComponent(input.data.app)}/holds`,
      fetch: params.fetch,
    });
    const holds = Holds.safeParse(answer.body);
    if (holds.success) {
      params.progress(`${holds.data.items.length} hold(s) in force on ${input.data.app}`);
    }
    params.out(`${JSON.stringify(answer.body, null, 2)}\n`);
    return 0;
  }
  if (action === "release") {
    const { values } = parseArgs({
      args: rest,
      options: { id: { type: "string" }, reason: { type: "string" }, ...TARGET_OPTIONS },
      strict: true,
    });
    const input = ReleaseHoldInput.safeParse({ holdId: values.id ?? "", reason: values.reason });
    if (!input.success) refuseInput(input.error, { holdId: "id" });
    const answer = await callPortal({
      target: portalTarget({
        url: values.url,
        token: values.token,
        env: params.env,
        needs: "promotions:write",
      }),
      method: "POST",
      path: `/api/v1/holds/${input.data.holdId}/release`,
      body: { reason: input.data.reason },
      fetch: params.fetch,
    });
    params.progress(`released the hold ${input.data.holdId}`);
    params.out(`${JSON.stringify(answer.body, null, 2)}\n`);
    return 0;
  }
  throw new GantryError("bad_request", 'hold needs "list" or "release"');
}
