/**
 * Who did something, as recorded on promotions and in the audit chain:
 * a signed-in person, an API token (a CI pipeline, or a person's own token),
 * a cluster's agent, or Gantry itself.
 */
export type ActorKind = "person" | "token" | "agent" | "system";

export interface Actor {
  kind: ActorKind;
  /** The User id, ApiToken id or Cluster id; null for Gantry itself. */
  id: string | null;
  name: string;
  email: string;
}

/** Gantry itself, for what jobs and the system do on their own. */
export const GANTRY_ACTOR: Actor = {
  kind: "system",
  id: null,
  name: "Gantry",
  email: "gantry@localhost",
};
