import type { ApiKeyService } from "../auth/api-key.service";
import type { Principal } from "../auth/principal";
import { closeCodeOf } from "../errors/error-codes";

export const REVOKED_CLOSE = { code: closeCodeOf("UNAUTHENTICATED"), reason: "Forbidden: the API key is invalid or revoked" } as const;

/** Something held open under a key: a WebSocket, or an HTTP stream. */
export interface Revocable {
  /** Ends it because its key was revoked. */
  revoke(): void;
}

/**
 * Connections opened with a key (WebSockets and HTTP streams), and a sweep that asks the
 * database every `intervalMs` which of their keys were revoked (one query for all of them, no
 * clock compared) and ends those connections, which ends their subscriptions. Operations are
 * checked at use besides (see subscriptions.ts); this covers connections that only listen.
 */
export function revocationSweep(apiKeys: ApiKeyService, intervalMs: number) {
  const keyed = new Map<Revocable, Principal>();
  let sweeping = false;
  const timer = setInterval(async () => {
    if (sweeping || keyed.size === 0) return;
    sweeping = true;
    try {
      const gone = new Set(await apiKeys.revokedAmong([...new Set([...keyed.values()].map((p) => p.keyId))]));
      for (const [held, principal] of keyed) if (gone.has(principal.keyId)) held.revoke();
    } catch {
      // The database cannot say: connections keep the authority last confirmed until it can (a
      // revocation is a database write too, so none can have happened unseen for long).
    } finally {
      sweeping = false;
    }
  }, intervalMs);
  timer.unref();
  return {
    /** Watches `held` until the returned function is called (when it closes). */
    track(held: Revocable, principal: Principal): () => void {
      keyed.set(held, principal);
      return () => keyed.delete(held);
    },
    stop(): void {
      clearInterval(timer);
    },
  };
}

export type RevocationSweep = ReturnType<typeof revocationSweep>;
