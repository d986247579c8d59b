import type { Metadata } from "next";
import Link from "next/link";
import { createCiTokenAction, revokeCiTokenAction } from "@/app/admin/actions";
import { SecretForm } from "@/components/admin/secret-form";
import { TokenFields } from "@/components/admin/token-fields";
import { TokenTable } from "@/components/admin/token-table";
import { ActionForm } from "@/components/promotion/action-form";
import { Notice } from "@/components/ui/notice";
import { PageHeader } from "@/components/ui/page-header";
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
      <Notice tone="danger" title="Only admins may manage CI tokens">
        Personal tokens are at <Link href="/account/tokens">your account</Link>.
      </Notice>
    );
  }
  const tokens = await listApiTokens({ db: getDb(), acting: person, kind: "ci" });
  return (
    <>
      <PageHeader
        title="CI tokens"
        description="Tokens for pipelines: each acts as itself within its scopes, never approves, and is stored only as a hash."
        actions={
          <Link
            href="/admin/users"
            className="rounded-md px-3 py-1.5 text-sm font-medium text-slate-700 ring-1 ring-slate-300 hover:bg-slate-50"
          >
            People
          </Link>
        }
      />
      <div className="grid gap-6 lg:grid-cols-3">
        <section aria-labelledby="ci-tokens" className="lg:col-span-2">
          <h2 id="ci-tokens" className="sr-only">
            Every CI token
          </h2>
          {tokens.length === 0 ? (
            <Notice title="No CI tokens yet">
              Create one for each pipeline that calls the API.
            </Notice>
          ) : (
            <TokenTable
              tokens={tokens}
              now={new Date()}
              revoke={(token) => (
                <ActionForm
                  action={revokeCiTokenAction}
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
          aria-labelledby="new-ci-token"
          className="rounded-lg border border-slate-200 bg-white p-4"
        >
          <h2 id="new-ci-token" className="mb-3 text-base font-semibold">
            New CI token
          </h2>
          <SecretForm
            action={createCiTokenAction}
            submitLabel="Create token"
            pendingLabel="Creating…"
          >
            <TokenFields idPrefix="ci" scopes={API_SCOPES} />
          </SecretForm>
        </section>
      </div>
    </>
  );
}
