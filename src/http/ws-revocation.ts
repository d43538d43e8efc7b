import type { WebSocket } from "ws";
import type { ApiKeyService } from "../auth/api-key.service";
import type { Principal } from "../auth/principal";

export const REVOKED_CLOSE = { code: 4403, reason: "Forbidden: the API key is invalid or revoked" } as const;

/**
 * Sockets opened with a key, and a sweep that asks the database every `intervalMs` which of
 * their keys were revoked (one query for all of them, no clock compared) and closes those
 * sockets with 4403, which ends their subscriptions. Operations are checked at use besides (see
 * subscriptions.ts); this covers sockets that only listen.
 */
export function revocationSweep(apiKeys: ApiKeyService, intervalMs: number) {
  const keyed = new Map<WebSocket, Principal>();
  let sweeping = false;
  const timer = setInterval(async () => {
    if (sweeping || keyed.size === 0) return;
    sweeping = true;
    try {
      const gone = new Set(await apiKeys.revokedAmong([...new Set([...keyed.values()].map((p) => p.keyId))]));
      for (const [socket, principal] of keyed) if (gone.has(principal.keyId)) socket.close(REVOKED_CLOSE.code, REVOKED_CLOSE.reason);
    } catch {
      // The database cannot say: sockets keep the authority last confirmed until it can (a
      // revocation is a database write too, so none can have happened unseen for long).
    } finally {
      sweeping = false;
    }
  }, intervalMs);
  timer.unref();
  return {
    track(socket: WebSocket, principal: Principal): void {
      keyed.set(socket, principal);
      socket.once("close", () => keyed.delete(socket));
    },
    stop(): void {
      clearInterval(timer);
    },
  };
}
