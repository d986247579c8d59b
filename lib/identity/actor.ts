/**
 * Who did something, as recorded on promotions and in the audit chain:
 * a signed-in person, an API token (a CI pipeline, or a person's own token),
 * a cluster's agent, a progression rule of an environment, or Gantry itself.
 */
export type ActorKind = "person" | "token" | "agent" | "rule" | "system";

export interface Actor {
  kind: ActorKind;
  /** The User id, ApiToken id, Cluster id or Environment id (a rule); null for Gantry itself. */
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
