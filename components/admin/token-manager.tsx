import { ListAndForm } from "@/components/admin/list-and-form";
import { type SecretActionState, SecretForm } from "@/components/admin/secret-form";
import { TokenFields } from "@/components/admin/token-fields";
import { type TokenRow, TokenTable } from "@/components/admin/token-table";
import { ActionForm, type ActionState } from "@/components/promotion/action-form";
import { EmptyState } from "@/components/ui/empty-state";

const WORDS = {
  personal: {
    list: "Your tokens",
    empty: "No tokens yet",
    emptyHint: "Create one for each script or machine.",
    new: "New token",
  },
  ci: {
    list: "Every CI token",
    empty: "No CI tokens yet",
    emptyHint: "Create one for each pipeline that calls the API.",
    new: "New CI token",
  },
} as const;

/** A person's or the CI tokens: the list with a revoke button per live token, and the form for a new one. */
export function TokenManager({
  kind,
  tokens,
  scopes,
  createAction,
  revokeAction,
}: {
  kind: keyof typeof WORDS;
  tokens: readonly TokenRow[];
  scopes: readonly string[];
  createAction: (state: SecretActionState, formData: FormData) => Promise<SecretActionState>;
  revokeAction: (state: ActionState, formData: FormData) => Promise<ActionState>;
}) {
  const words = WORDS[kind];
  return (
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
  );
}
