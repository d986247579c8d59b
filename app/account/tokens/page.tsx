import type { Metadata } from "next";
import { TokenManager } from "@/components/admin/token-manager";
import { Breadcrumb } from "@/components/ui/breadcrumb";
import { getDb } from "@/lib/db";
import { API_SCOPES } from "@/lib/identity/api-token";
import { requirePerson } from "@/lib/people/current-principal";
import { listApiTokens } from "@/lib/people/list-api-tokens";
import { createPersonalTokenAction, revokePersonalTokenAction } from "./actions";

export const metadata: Metadata = { title: "Your API tokens" };
export const dynamic = "force-dynamic";

export default async function PersonalTokensPage() {
  const person = await requirePerson("/account/tokens");
  const tokens = await listApiTokens({ db: getDb(), acting: person, kind: "personal" });
  return (
    <div className="max-w-5xl">
      <Breadcrumb trail={[{ href: "/account", label: "Your account" }]} />
      <TokenManager
        kind="personal"
        tokens={tokens}
        scopes={API_SCOPES}
        createAction={createPersonalTokenAction}
        revokeAction={revokePersonalTokenAction}
      />
    </div>
  );
}
