import type { Metadata } from "next";
import Link from "next/link";
import { SecretForm } from "@/components/admin/secret-form";
import { TokenFields } from "@/components/admin/token-fields";
import { TokenTable } from "@/components/admin/token-table";
import { ActionForm } from "@/components/promotion/action-form";
import { Notice } from "@/components/ui/notice";
import { PageHeader } from "@/components/ui/page-header";
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
      <p className="mb-2 text-sm">
        <Link href="/account" className="text-blue-700 hover:underline">
          ← Your account
        </Link>
      </p>
      <PageHeader
        title="Your API tokens"
        description="For scripts that act as you: a token can do what you can, within its scopes, and no more. Stored only as a hash."
      />
      <div className="grid gap-6 lg:grid-cols-3">
        <section aria-labelledby="my-tokens" className="lg:col-span-2">
          <h2 id="my-tokens" className="sr-only">
            Your tokens
          </h2>
          {tokens.length === 0 ? (
            <Notice title="No tokens yet">Create one for each script or machine.</Notice>
          ) : (
            <TokenTable
              tokens={tokens}
              now={new Date()}
              revoke={(token) => (
                <ActionForm
                  action={revokePersonalTokenAction}
                  submitLabel={`Revoke ${token.name}`}
                  pendingLabel="Revoking…"
                  tone="danger"
                >
                  <input type="hidden" name="tokenId" value={token.id} />
                </ActionForm>
              )}
            />
          )}
        </section>
        <section
          aria-labelledby="new-token"
          className="rounded-lg border border-slate-200 bg-white p-4"
        >
          <h2 id="new-token" className="mb-3 text-base font-semibold">
            New token
          </h2>
          <SecretForm
            action={createPersonalTokenAction}
            submitLabel="Create token"
            pendingLabel="Creating…"
          >
            <TokenFields idPrefix="personal" scopes={API_SCOPES} />
          </SecretForm>
        </section>
      </div>
    </div>
  );
}
