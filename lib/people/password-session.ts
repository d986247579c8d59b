import { APIError } from "better-auth/api";
import { z } from "zod";
import { getAuthDb } from "@/lib/db";
import { type ErrorCode, GantryError } from "@/lib/errors";
import { requestContextFrom, withRequestContext } from "@/lib/http/request-context";
import { getAuth } from "@/lib/people/auth-server";
import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from "@/lib/people/create-user";
import { issuesOf } from "@/lib/people/update-user-grants";

/**
 * The password form's actions, for server actions: sign in, sign out,
 * change password. Each goes through better-auth (so its hooks — lockout,
 * audit, the forced-change flag — apply) with the browser's request
 * headers; the session cookie is set or cleared by better-auth's
 * nextCookies plugin. Errors come back as GantryError with a message a
 * person can act on, never better-auth's internals.
 */

const SignInInput = z.object({
  email: z.email("email: expected an email address").max(320, "email: too long"),
  password: z
    .string({ error: "password: required" })
    .min(1, "password: required")
    .max(PASSWORD_MAX_LENGTH, `password: at most ${PASSWORD_MAX_LENGTH} characters`),
});

const ChangePasswordInput = z
  .object({
    currentPassword: z
      .string({ error: "currentPassword: required" })
      .min(1, "currentPassword: required")
      .max(PASSWORD_MAX_LENGTH, `currentPassword: at most ${PASSWORD_MAX_LENGTH} characters`),
    newPassword: z
      .string({ error: "newPassword: required" })
      .min(PASSWORD_MIN_LENGTH, `newPassword: at least ${PASSWORD_MIN_LENGTH} characters`)
      .max(PASSWORD_MAX_LENGTH, `newPassword: at most ${PASSWORD_MAX_LENGTH} characters`),
    confirmPassword: z.string({ error: "confirmPassword: required" }),
  })
  .refine((input) => input.newPassword === input.confirmPassword, {
    message: "confirmPassword: the two new passwords differ",
    path: ["confirmPassword"],
  })
  .refine((input) => input.newPassword !== input.currentPassword, {
    message: "newPassword: choose a password different from the current one",
    path: ["newPassword"],
  });

function asGantryError(error: unknown, messages: Partial<Record<number, string>>): unknown {
  if (!(error instanceof APIError)) return error;
  const status = error.statusCode;
  const code: ErrorCode =
    status === 429
      ? "rate_limited"
      : status === 401
        ? "unauthenticated"
        : status === 403
          ? "forbidden"
          : "bad_request";
  const ours = typeof error.body?.message === "string" ? error.body.message : undefined;
  return new GantryError(code, messages[status] ?? ours ?? "the request was refused");
}

function run<T>(headers: Headers, action: () => Promise<T>): Promise<T> {
  return withRequestContext(requestContextFrom(headers), action);
}

/** Signs in; says whether the person must change their password before anything else. */
export async function signInWithPassword(params: {
  headers: Headers;
  email: string;
  password: string;
}): Promise<{ mustChangePassword: boolean }> {
  const input = SignInInput.safeParse(params);
  if (!input.success) throw new GantryError("bad_request", issuesOf(input.error));
  const signedIn = await run(params.headers, () =>
    getAuth()
      .api.signInEmail({ body: input.data, headers: params.headers })
      .catch((error: unknown) => {
        // The same words for an unknown e-mail and a wrong password: no account discovery.
        throw asGantryError(error, { 401: "Wrong e-mail or password." });
      }),
  );
  const user = await getAuthDb().user.findUnique({
    where: { id: signedIn.user.id },
    select: { mustChangePassword: true },
  });
  return { mustChangePassword: user?.mustChangePassword ?? false };
}

export async function signOut(params: { headers: Headers }): Promise<void> {
  await run(params.headers, () =>
    getAuth()
      .api.signOut({ headers: params.headers })
      .catch((error: unknown) => {
        throw asGantryError(error, {});
      }),
  );
}

export async function changePassword(params: {
  headers: Headers;
  currentPassword: string;
  newPassword: string;
  confirmPassword: string;
}): Promise<void> {
  const input = ChangePasswordInput.safeParse(params);
  if (!input.success) throw new GantryError("bad_request", issuesOf(input.error));
  await run(params.headers, () =>
    getAuth()
      .api.changePassword({
        body: {
          currentPassword: input.data.currentPassword,
          newPassword: input.data.newPassword,
          // Every other browser signed in as this person is signed out; this one gets a new session.
          revokeOtherSessions: true,
        },
        headers: params.headers,
      })
      .catch((error: unknown) => {
        throw asGantryError(error, {
          400: "currentPassword: the current password is wrong",
          401: "sign in again first",
        });
      }),
  );
}
