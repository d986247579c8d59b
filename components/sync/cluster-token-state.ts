/**
 * What a cluster token form's server action answers. `issued` carries a new
 * token exactly once, in the answer to the admin who asked; it is never
 * stored or sent again.
 */
export interface ClusterTokenState {
  error: string | null;
  notice: string | null;
  issued: { cluster: string; token: string; portalUrl: string } | null;
}

export const NO_CLUSTER_TOKEN_STATE: ClusterTokenState = {
  error: null,
  notice: null,
  issued: null,
};

export type ClusterTokenAction = (
  state: ClusterTokenState,
  formData: FormData,
) => Promise<ClusterTokenState>;
