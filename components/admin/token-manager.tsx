import type { ReactNode } from "react";
import { ListAndForm } from "@/components/admin/list-and-form";
import { type SecretActionState, SecretForm } from "@/components/admin/secret-form";
import { TokenFields } from "@/components/admin/token-fields";
import { type TokenRow, TokenTable } from "@/components/admin/token-table";
import { ActionForm, type ActionState } from "@/components/promotion/action-form";
import { EmptyState } from "@/components/ui/empty-state";
import { PageHeader } from "@/components/ui/page-header";

const WORDS = {
  personal: {
    title: "Your API tokens",
    description:
      "For scripts that act as you: a token can do what you can, within its scopes, and no more. Stored only as a hash.",
    list: "Your tokens",
    empty: "No tokens yet",
    emptyHint: "Create one for each script or machine.",
    new: "New token",
  },
  ci: {
    title: "CI tokens",
    description:
      "Tokens for pipelines: each acts as itself within its scopes, never approves, and is stored only as a hash.",
    list: "Every CI token",
    empty: "No CI tokens yet",
    emptyHint: "Create one for each pipeline that calls the API.",
    new: "New CI token",
  },
} as const;

/** The page of a person's or the CI tokens: the list with a revoke button per live token, and the form for a new one. */
export function TokenManager({
  kind,
  actions,
  tokens,
  scopes,
  createAction,
  revokeAction,
}: {
  kind: keyof typeof WORDS;
  actions?: ReactNode;
  tokens: readonly TokenRow[];
  scopes: readonly string[];
  createAction: (state: SecretActionState, formData: FormData) => Promise<SecretActionState>;
  revokeAction: (state: ActionState, formData: FormData) => Promise<ActionState>;
}) {
  const words = WORDS[kind];
  return (
    <>
      <PageHeader title={words.title} description={words.description} actions={actions} />
      <ListAndForm
        id={`${kind}-tokens`}
        listTitle={words.list}
        list={
          tokens.length === 0 ? (
            <EmptyState title={words.empty}>{words.emptyHint}</EmptyState>
          ) : (
            <TokenTable
              caption={words.list}
              tokens={tokens}
              now={new Date()}
              revoke={(token) => (
                <ActionForm
                  action={revokeAction}
                  submitLabel={`Revoke ${token.name}`}
                  pendingLabel="Revoking…"
                  tone="danger"
                  hidden={{ tokenId: token.id }}
                ></ActionForm>
              )}
            />
          )
        }
        formTitle={words.new}
        form={
          <SecretForm action={createAction} submitLabel="Create token" pendingLabel="Creating…">
            <TokenFields idPrefix={kind} scopes={scopes} />
          </SecretForm>
        }
      />
    </>
  );
}
