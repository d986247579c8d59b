import type { Metadata } from "next";
import Link from "next/link";
import { createCiTokenAction, revokeCiTokenAction } from "@/app/admin/actions";
import { TokenManager } from "@/components/admin/token-manager";
import { Button } from "@/components/ui/button";
import { ErrorState } from "@/components/ui/error-state";
import { getDb } from "@/lib/db";
import { API_SCOPES } from "@/lib/identity/api-token";
import { can } from "@/lib/identity/permissions";
import { requirePerson } from "@/lib/people/current-principal";
import { listApiTokens } from "@/lib/people/list-api-tokens";

export const metadata: Metadata = { title: "CI tokens" };
export const dynamic = "force-dynamic";

export default async function CiTokensPage() {
  const person = await requirePerson("/admin/tokens");
  if (!can(person, "token:manage_ci")) {
    return (
      <ErrorState
        title="Only admins may manage CI tokens"
        action={<Link href="/account/tokens">Your own API tokens are on your account</Link>}
      />
    );
  }
  const tokens = await listApiTokens({ db: getDb(), acting: person, kind: "ci" });
  return (
    <TokenManager
      actions={
        <Button asChild variant="secondary">
          <Link href="/admin/users">People</Link>
        </Button>
      }
      kind="ci"
      tokens={tokens}
      scopes={API_SCOPES}
      createAction={createCiTokenAction}
      revokeAction={revokeCiTokenAction}
    />
  );
}
