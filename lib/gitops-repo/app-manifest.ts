import { z } from "zod";
import { type ParseResult, parseWithSchema } from "@/lib/gitops-repo/located";
import { httpUrl, slug } from "@/lib/gitops-repo/schema-parts";

const TIERS = ["critical", "high", "medium", "low"] as const;

const LABEL_KEY = /^[a-z0-9]([a-z0-9._/-]{0,61}[a-z0-9])?$/;

/**
 * `apps/<app>/app.yaml`: what the catalogue shows about an application. The
 * app's slug is its directory name, not a field, so renaming is a `git mv`.
 * Unknown keys are ignored rather than refused: teams keep their own
 * metadata here and a newer portal may read more than this one does.
 */
const AppManifestSchema = z.object({
  name: z.string().trim().min(1).max(200),
  team: slug,
  description: z.string().max(2000).default(""),
  tier: z.enum(TIERS).default("medium"),
  chart: slug,
  links: z
    .array(
      z.object({
        title: z.string().trim().min(1).max(200),
        url: httpUrl,
      }),
    )
    .max(50)
    .default([]),
  labels: z
    .record(
      z
        .string()
        .regex(
          LABEL_KEY,
          "label names are lowercase letters, digits, '.', '_', '/' and '-', at most 63 characters",
        ),
      z.string().max(200),
    )
    .default({}),
  owners: z.array(z.string().min(1).max(200)).max(50).optional(),
  slack: z.string().min(1).max(200).optional(),
});

export type AppManifest = z.output<typeof AppManifestSchema>;

/** Parses an app.yaml; every mistake comes back located, nothing is thrown. */
export function parseAppManifest(text: string, filePath: string): ParseResult<AppManifest> {
  return parseWithSchema(text, filePath, AppManifestSchema, {
    emptyMessage: "the file is empty; it needs at least name, team and chart",
  });
}
