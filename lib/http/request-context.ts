import { AsyncLocalStorage } from "node:async_hooks";
import { randomUUID } from "node:crypto";
import { CLIENT_ADDRESS_HEADER } from "@/lib/http/client-address";

/**
 * What the audit chain records about the request a change came from: its id
 * (also in logs and error responses) and the client's address. Set once by
 * the wrappers around route handlers and server actions; read wherever an
 * event is recorded, so domain functions need not pass it along.
 */
export interface RequestContext {
  requestId: string;
  sourceAddress: string | null;
}

const storage = new AsyncLocalStorage<RequestContext>();

export function currentRequestContext(): RequestContext | null {
  return storage.getStore() ?? null;
}

export function withRequestContext<T>(context: RequestContext, run: () => T): T {
  return storage.run(context, run);
}

/**
 * The context of an incoming request. The address is the one Gantry's
 * server resolved from the socket and the trusted proxies
 * (lib/http/client-address.ts); X-Forwarded-For as the client sent it is
 * never read here. A value that is not an address is ignored, not stored.
 */
export function requestContextFrom(headers: Headers): RequestContext {
  const candidate = headers.get(CLIENT_ADDRESS_HEADER)?.trim() || null;
  const requestId = headers.get("x-request-id")?.trim();
  return {
    requestId: requestId && /^[A-Za-z0-9._-]{8,100}$/.test(requestId) ? requestId : randomUUID(),
    sourceAddress: candidate && /^[0-9A-Fa-f:.]{2,45}$/.test(candidate) ? candidate : null,
  };
}
