import { Cron } from "croner";
import { z } from "zod";
import {
  isTimeZone,
  parseDurationMinutes,
  parseDurationSeconds,
} from "@/lib/gitops-repo/policy/time";
import {
  AUTO_PROMOTE,
  DEFAULT_POLICY,
  DEFAULT_PROGRESSION,
  type EnvironmentPolicy,
  type FreezeWindow,
  type ProgressionRule,
} from "@/lib/gitops-repo/policy/types";
import { httpUrl, slug } from "@/lib/gitops-repo/schema-parts";

/**
 * The `policy:` of an environment in environments.yaml, as people write it,
 * and its normal form (EnvironmentPolicy), which is what Environment.policy
 * stores. Both are checked by the same rules: a cron expression croner
 * accepts and that ever fires, an IANA time zone, a positive duration, a
 * date range whose end is after its start.
 */

const MAX_APPROVALS = 20;
const MAX_FREEZE_MINUTES = 366 * 1440;
const MAX_HEALTHY_WITHIN_MINUTES = 7 * 1440;
/** An instant with its offset: 2026-12-24T00:00:00+01:00 or 2026-12-23T23:00:00Z. */
const ISO_WITH_OFFSET = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$/;

const approvalCount = z
  .number({ error: `must be a whole number of approvals (0 to ${MAX_APPROVALS})` })
  .int(`must be a whole number of approvals (0 to ${MAX_APPROVALS})`)
  .min(0, `must be a whole number of approvals (0 to ${MAX_APPROVALS})`)
  .max(MAX_APPROVALS, `must be at most ${MAX_APPROVALS}`);

const instant = z
  .string({ error: "must be a date and time with an offset, e.g. 2026-12-24T00:00:00+01:00" })
  .regex(
    ISO_WITH_OFFSET,
    "must be a date and time with an offset, e.g. 2026-12-24T00:00:00+01:00 (or Z for UTC)",
  )
  .refine((value) => !Number.isNaN(Date.parse(value)), "is not a real date and time");

const timeZone = z
  .string()
  .refine(isTimeZone, "must be an IANA time zone such as Europe/Berlin, America/New_York or UTC");

const reason = z.string().trim().min(1).max(200);

/** A soak longer than a week is a mistake, not a policy. */
const MAX_SOAK_SECONDS = 7 * 86_400;
/** A gate check waits at most this long for an answer. */
const MAX_GATE_TIMEOUT_SECONDS = 30;
const DEFAULT_GATE_TIMEOUT_SECONDS = 5;
const MAX_GATE_CHECKS = 20;
/** after-healthy without a written soak. */
const DEFAULT_SOAK_SECONDS = 30 * 60;

const soak = z
  .string({ error: "must be a duration such as 30m, 1h or 90s (put it in quotes)" })
  .refine((text) => {
    const seconds = parseDurationSeconds(text);
    return seconds !== null && seconds <= MAX_SOAK_SECONDS;
  }, "must be a duration such as 30m, 1h or 90s (at most 7d)");

const gateTimeout = z.string({ error: "must be a duration such as 5s" }).refine((text) => {
  const seconds = parseDurationSeconds(text);
  return seconds !== null && seconds >= 1 && seconds <= MAX_GATE_TIMEOUT_SECONDS;
}, `must be a duration from 1s to ${MAX_GATE_TIMEOUT_SECONDS}s, such as 5s`);

const gateChecks = z
  .number({ error: `must be a whole number of checks (1 to ${MAX_GATE_CHECKS})` })
  .int(`must be a whole number of checks (1 to ${MAX_GATE_CHECKS})`)
  .min(1, `must be a whole number of checks (1 to ${MAX_GATE_CHECKS})`)
  .max(MAX_GATE_CHECKS, `must be at most ${MAX_GATE_CHECKS}`);

/** The gate's URL: http(s) only, like every link Gantry follows or renders. */
const gateUrl = httpUrl;

const GateYamlSchema = z.strictObject({
  url: gateUrl,
  timeout: gateTimeout.optional(),
  checks: gateChecks.optional(),
});

/** Why croner refuses `pattern`, or why it never fires; null when it is fine. */
function cronProblem(pattern: string, zone: string): string | null {
  try {
    const cron = new Cron(pattern, { timezone: zone, mode: "5-part" });
    if (cron.nextRun(new Date(0)) === null) return "never matches a date";
    return null;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return message.replace(/^CronPattern:\s*/, "");
  }
}

const FreezeYamlSchema = z
  .strictObject({
    from: instant.optional(),
    to: instant.optional(),
    cron: z.string().trim().min(1).optional(),
    duration: z
      .string({ error: "must be a duration such as 90m, 62h or 2d (put it in quotes)" })
      .optional(),
    timezone: timeZone.optional(),
    reason,
  })
  .superRefine((freeze, ctx) => {
    const isRange = freeze.from !== undefined || freeze.to !== undefined;
    const isRecurring =
      freeze.cron !== undefined || freeze.duration !== undefined || freeze.timezone !== undefined;
    if (isRange && isRecurring) {
      ctx.addIssue({
        code: "custom",
        path: [freeze.from !== undefined ? "from" : "to"],
        message:
          "a freeze is either a date range (from, to) or recurring (cron, duration, timezone), not both",
      });
      return;
    }
    if (!isRange && !isRecurring) {
      ctx.addIssue({
        code: "custom",
        path: [],
        message: "a freeze needs from and to (a date range), or cron and duration (recurring)",
      });
      return;
    }
    if (isRange) {
      for (const key of ["from", "to"] as const) {
        if (freeze[key] === undefined) {
          ctx.addIssue({ code: "custom", path: [key], message: "is required" });
        }
      }
      if (freeze.from && freeze.to && Date.parse(freeze.from) >= Date.parse(freeze.to)) {
        ctx.addIssue({
          code: "custom",
          path: ["to"],
          message: `must be after from (${freeze.from})`,
        });
      }
      return;
    }
    if (freeze.duration === undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["duration"],
        message: "is required: how long each freeze lasts, such as 62h",
      });
    } else {
      const minutes = parseDurationMinutes(freeze.duration);
      if (minutes === null || minutes <= 0 || minutes > MAX_FREEZE_MINUTES) {
        ctx.addIssue({
          code: "custom",
          path: ["duration"],
          message: `must be a duration such as 90m, 62h or 2d (at most 366d); found "${freeze.duration}"`,
        });
      }
    }
    if (freeze.cron === undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["cron"],
        message: 'is required: when each freeze starts, such as "0 18 * * FRI"',
      });
    } else {
      const zone =
        freeze.timezone !== undefined && isTimeZone(freeze.timezone) ? freeze.timezone : "UTC";
      const problem = cronProblem(freeze.cron, zone);
      if (problem) {
        ctx.addIssue({
          code: "custom",
          path: ["cron"],
          message: `is not a valid cron expression (minute hour day month weekday): ${problem}`,
        });
      }
    }
  });

/** `policy:` in environments.yaml. Every key is optional; unknown keys are mistakes. */
const PolicyYamlSchema = z.strictObject({
  approvals: z
    .union([
      approvalCount,
      z.strictObject(
        { count: approvalCount, team: slug.optional() },
        { error: "must be a number of approvals, or a mapping with count (and team)" },
      ),
    ])
    .optional(),
  order: z.enum(["deployed", "healthy", "none"]).optional(),
  autoMerge: z.boolean().optional(),
  freezes: z.array(FreezeYamlSchema).max(50).optional(),
  autoPromote: z
    .enum(AUTO_PROMOTE, { error: `must be one of ${AUTO_PROMOTE.join(", ")}` })
    .optional(),
  soak: soak.optional(),
  gate: GateYamlSchema.optional(),
  rollback: z
    .strictObject({
      approvals: approvalCount.optional(),
      duringFreeze: z
        .enum(["allowed", "refused"], {
          error: "must be allowed (with a written reason) or refused",
        })
        .optional(),
      healthyWithin: z
        .string({ error: "must be a duration such as 15m or 1h (put it in quotes)" })
        .refine((value) => {
          const minutes = parseDurationMinutes(value);
          return minutes !== null && minutes > 0 && minutes <= MAX_HEALTHY_WITHIN_MINUTES;
        }, "must be a duration such as 15m or 1h (at most 7d)")
        .optional(),
    })
    .optional(),
  autoRollback: z.boolean().optional(),
});

type PolicyYaml = z.output<typeof PolicyYamlSchema>;

/** The written policy in its normal form; what is not written takes DEFAULT_POLICY's value. */
function normalisePolicy(written: PolicyYaml | null | undefined): EnvironmentPolicy {
  if (!written) return DEFAULT_POLICY;
  const approvals =
    written.approvals === undefined
      ? DEFAULT_POLICY.approvals
      : typeof written.approvals === "number"
        ? { required: written.approvals, team: null }
        : { required: written.approvals.count, team: written.approvals.team ?? null };
  const order = written.order ?? "none";
  return {
    approvals,
    order: {
      requireDeployedInPrevious: order !== "none",
      requireHealthy: order === "healthy",
    },
    freezes: (written.freezes ?? []).map(normaliseFreeze),
    autoMerge: written.autoMerge ?? DEFAULT_POLICY.autoMerge,
    progression: normaliseProgression(written),
    rollback: {
      approvals: written.rollback?.approvals ?? DEFAULT_POLICY.rollback.approvals,
      allowDuringFreeze: written.rollback?.duringFreeze
        ? written.rollback.duringFreeze === "allowed"
        : DEFAULT_POLICY.rollback.allowDuringFreeze,
      healthyWithinMinutes:
        parseDurationMinutes(written.rollback?.healthyWithin ?? "") ??
        DEFAULT_POLICY.rollback.healthyWithinMinutes,
    },
    autoRollback: written.autoRollback ?? DEFAULT_POLICY.autoRollback,
  };
}

function normaliseProgression(written: PolicyYaml): ProgressionRule {
  const autoPromote = written.autoPromote ?? DEFAULT_PROGRESSION.autoPromote;
  const soakSeconds =
    written.soak !== undefined
      ? (parseDurationSeconds(written.soak) ?? 0)
      : autoPromote === "after-healthy"
        ? DEFAULT_SOAK_SECONDS
        : 0;
  const gate = written.gate
    ? {
        url: written.gate.url,
        timeoutSeconds:
          written.gate.timeout !== undefined
            ? (parseDurationSeconds(written.gate.timeout) ?? DEFAULT_GATE_TIMEOUT_SECONDS)
            : DEFAULT_GATE_TIMEOUT_SECONDS,
        checks: written.gate.checks ?? 1,
      }
    : null;
  return { autoPromote, soakSeconds, gate };
}

function normaliseFreeze(freeze: z.output<typeof FreezeYamlSchema>): FreezeWindow {
  if (freeze.from !== undefined && freeze.to !== undefined) {
    return { kind: "range", from: freeze.from, to: freeze.to, reason: freeze.reason };
  }
  return {
    kind: "recurring",
    cron: freeze.cron ?? "",
    durationMinutes: parseDurationMinutes(freeze.duration ?? "") ?? 0,
    timezone: freeze.timezone ?? "UTC",
    reason: freeze.reason,
  };
}

/** `policy:` parsed and normalised in one step; an absent or empty policy is DEFAULT_POLICY. */
export const EnvironmentPolicyFromYaml = PolicyYamlSchema.nullable()
  .optional()
  .transform((written) => normalisePolicy(written));

/** Environment.policy as stored: the normal form, held to the same rules as the YAML. */
export const StoredPolicySchema: z.ZodType<EnvironmentPolicy> = z.strictObject({
  approvals: z.strictObject({ required: approvalCount, team: slug.nullable() }),
  order: z.strictObject({ requireDeployedInPrevious: z.boolean(), requireHealthy: z.boolean() }),
  freezes: z
    .array(
      z.discriminatedUnion("kind", [
        z
          .strictObject({ kind: z.literal("range"), from: instant, to: instant, reason })
          .refine((range) => Date.parse(range.from) < Date.parse(range.to), {
            path: ["to"],
            message: "must be after from",
          }),
        z
          .strictObject({
            kind: z.literal("recurring"),
            cron: z.string(),
            durationMinutes: z.number().int().min(1).max(MAX_FREEZE_MINUTES),
            timezone: timeZone,
            reason,
          })
          .superRefine((freeze, ctx) => {
            const problem = cronProblem(
              freeze.cron,
              isTimeZone(freeze.timezone) ? freeze.timezone : "UTC",
            );
            if (problem) ctx.addIssue({ code: "custom", path: ["cron"], message: problem });
          }),
      ]),
    )
    .max(50),
  autoMerge: z.boolean(),
  // Policies stored before progression rules existed have none: manual.
  progression: z
    .strictObject({
      autoPromote: z.enum(AUTO_PROMOTE),
      soakSeconds: z.number().int().min(0).max(MAX_SOAK_SECONDS),
      gate: z
        .strictObject({
          url: gateUrl,
          timeoutSeconds: z.number().int().min(1).max(MAX_GATE_TIMEOUT_SECONDS),
          checks: gateChecks,
        })
        .nullable(),
    })
    .default(DEFAULT_PROGRESSION),
  // Policies stored before rollbacks existed read with the defaults.
  rollback: z
    .strictObject({
      approvals: approvalCount,
      allowDuringFreeze: z.boolean(),
      healthyWithinMinutes: z.number().int().min(1).max(MAX_HEALTHY_WITHIN_MINUTES),
    })
    .default(DEFAULT_POLICY.rollback),
  autoRollback: z.boolean().default(DEFAULT_POLICY.autoRollback),
});
