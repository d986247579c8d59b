import { z } from "zod";
import { SLUG_PATTERN, SLUG_RULE } from "@/lib/gitops-repo/paths";

/** A DNS-label name: apps, teams, environments, clusters, charts. */
export const slug = z.string().regex(SLUG_PATTERN, `must be a name made of ${SLUG_RULE}`);

/**
 * Links are rendered in the portal, so only schemes a browser treats as
 * navigation are accepted; `javascript:` and friends are refused at the door.
 */
export const httpUrl = z
  .string()
  .max(2000, "must be at most 2000 characters")
  .refine((value) => {
    try {
      const url = new URL(value);
      return (url.protocol === "http:" || url.protocol === "https:") && url.hostname !== "";
    } catch {
      return false;
    }
  }, "must be an http:// or https:// URL");
