import { z } from "zod";
import { GantryError } from "@/lib/errors";
import packageJson from "@/package.json" with { type: "json" };

export const AGENT_VERSION = `gantry-agent/${packageJson.version}`;

const AgentOptionsSchema = z.object({
  portal: z.url({ protocol: /^https?$/, error: "--portal must be an http(s) URL" }),
  cluster: z
    .string({ error: "--cluster NAME is required" })
    .regex(/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/, "--cluster must be a lowercase slug"),
  token: z
    .string({ error: "the cluster token must be in GANTRY_AGENT_TOKEN" })
    .min(1, "the cluster token must be in GANTRY_AGENT_TOKEN"),
  kubeconfig: z.string().min(1).optional(),
  pathPrefix: z.string().default("apps"),
});

export type AgentCommandOptions = z.infer<typeof AgentOptionsSchema>;

/** Validates the agent's command line; the message names the flag, never the token's value. */
export function parseAgentOptions(input: Record<string, string | undefined>): AgentCommandOptions {
  const parsed = AgentOptionsSchema.safeParse(input);
  if (parsed.success) return parsed.data;
  throw new GantryError(
    "bad_request",
    parsed.error.issues.map((issue) => issue.message).join("; "),
  );
}
