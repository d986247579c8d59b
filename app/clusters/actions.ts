"use server";

import { revalidatePath } from "next/cache";
import { headers } from "next/headers";
import { unstable_rethrow } from "next/navigation";
import type { ClusterTokenState } from "@/components/sync/cluster-token-state";
import { getConfig } from "@/lib/config";
import { getDb } from "@/lib/db";
import { requestContextFrom, withRequestContext } from "@/lib/http/request-context";
import { assertCoarse } from "@/lib/identity/permissions";
import type { Principal } from "@/lib/identity/principal";
import { actionRefusal } from "@/lib/people/authorized-action";
import { getCurrentPrincipal } from "@/lib/people/current-principal";
import {
  registerCluster,
  revokeClusterAgentToken,
  rotateClusterAgentToken,
} from "@/lib/sync/cluster-registration";

/**
 * /clusters' forms: register a cluster, rotate or revoke its agent token.
 * Admins only ("cluster:manage", checked coarsely here and exactly in the
 * domain). A new token comes back in this answer and nowhere else.
 */

function field(formData: FormData, name: string): string {
  const value = formData.get(name);
  return typeof value === "string" ? value : "";
}

/** Like authorizedAction, but the answer can carry the token issued. */
async function asClusterAdmin(
  run: (principal: Principal) => Promise<ClusterTokenState>,
): Promise<ClusterTokenState> {
  const requestHeaders = await headers();
  return withRequestContext(requestContextFrom(requestHeaders), async () => {
    try {
      const principal = await getCurrentPrincipal();
      assertCoarse(principal, "cluster:manage");
      const state = await run(principal);
      revalidatePath("/clusters");
      return state;
    } catch (error) {
      unstable_rethrow(error);
      return { ...actionRefusal(error), notice: null, issued: null };
    }
  });
}

export async function registerClusterAction(
  _state: ClusterTokenState,
  formData: FormData,
): Promise<ClusterTokenState> {
  return asClusterAdmin(async (principal) => {
    const issued = await registerCluster({
      db: getDb(),
      principal,
      name: field(formData, "name"),
      environment: field(formData, "environment"),
    });
    return {
      error: null,
      notice: null,
      issued: { cluster: issued.cluster, token: issued.token, portalUrl: getConfig().publicUrl },
    };
  });
}

export async function rotateClusterTokenAction(
  _state: ClusterTokenState,
  formData: FormData,
): Promise<ClusterTokenState> {
  return asClusterAdmin(async (principal) => {
    const issued = await rotateClusterAgentToken({
      db: getDb(),
      principal,
      cluster: field(formData, "cluster"),
    });
    return {
      error: null,
      notice: null,
      issued: { cluster: issued.cluster, token: issued.token, portalUrl: getConfig().publicUrl },
    };
  });
}

export async function revokeClusterTokenAction(
  _state: ClusterTokenState,
  formData: FormData,
): Promise<ClusterTokenState> {
  return asClusterAdmin(async (principal) => {
    const cluster = field(formData, "cluster");
    const { revoked } = await revokeClusterAgentToken({ db: getDb(), principal, cluster });
    return {
      error: null,
      issued: null,
      notice: revoked
        ? `The agent token of ${cluster} is revoked: its reports are refused until a new token is issued.`
        : `${cluster} had no agent token.`,
    };
  });
}
