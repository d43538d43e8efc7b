import type { GraphiQLProps } from "graphiql";
import { createClient } from "graphql-sse";
import { useEffect, useSyncExternalStore } from "react";

type GraphiQLPlugin = NonNullable<GraphiQLProps["plugins"]>[number];

/** What the panel asks for: every entry's changes, with enough to say which entry and what happened. */
export const LIVE_CHANGES = "subscription LiveChanges { statusCodeChanged { code kind version entry { reasonPhrase } } }";
/** The panel keeps the newest; older ones are in each entry's history. */
const KEPT = 50;

interface LiveEvent {
  at: string;
  code: number;
  kind: string;
  version: number;
  reasonPhrase: string;
}
interface LiveState {
  status: "off" | "connecting" | "listening" | "stopped";
  events: LiveEvent[];
  error?: string;
}

/**
 * The panel's subscription, held outside React: GraphiQL unmounts a plugin's content when its
 * panel is hidden, and stops a tab's subscription when another tab is chosen. This stream
 * outlives both, so the events of a write made from any tab (the walkthrough's `Create`)
 * arrive while the user works there. Its own SSE stream, like the tabs' (same origin, no key:
 * subscribing needs none, and anonymous events carry no author).
 */
class LiveChanges {
  private state: LiveState = { status: "off", events: [] };
  private readonly listeners = new Set<() => void>();
  private stop?: () => void;

  constructor(private readonly url: string) {}

  readonly subscribe = (listener: () => void) => {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  };
  readonly snapshot = () => this.state;

  start() {
    if (this.stop) return;
    this.set({ status: "connecting", error: undefined });
    const client = createClient({ url: this.url, retryAttempts: 3, on: { connected: () => this.set({ status: "listening" }) } });
    const unsubscribe = client.subscribe<{ statusCodeChanged: Omit<LiveEvent, "at" | "reasonPhrase"> & { entry: { reasonPhrase: string } } }>(
      { query: LIVE_CHANGES, operationName: "LiveChanges" },
      {
        next: ({ data, errors }) => {
          if (errors?.length) return this.set({ error: errors.map((e) => e.message).join("; ") });
          if (!data) return;
          const { entry, ...change } = data.statusCodeChanged;
          const event = { ...change, reasonPhrase: entry.reasonPhrase, at: new Date().toLocaleTimeString() };
          this.set({ events: [event, ...this.state.events].slice(0, KEPT) });
        },
        error: (error) => this.ended(error instanceof Error ? error.message : "the stream failed"),
        complete: () => this.ended(),
      },
    );
    this.stop = () => {
      unsubscribe();
      client.dispose();
    };
  }

  pause() {
    this.stop?.();
    this.ended();
  }

  clear() {
    this.set({ events: [] });
  }

  private ended(error?: string) {
    this.stop = undefined;
    this.set({ status: "stopped", ...(error && { error }) });
  }

  private set(next: Partial<LiveState>) {
    this.state = { ...this.state, ...next };
    for (const listener of this.listeners) listener();
  }
}

/** A GraphiQL plugin: the sidebar's "Live changes" button opens the panel, which starts listening. */
export function liveChangesPlugin(url: string): GraphiQLPlugin {
  const live = new LiveChanges(url);
  const useLive = () => useSyncExternalStore(live.subscribe, live.snapshot);

  function Icon() {
    const { status, events } = useLive();
    return (
      <span className="live-changes-icon">
        <svg viewBox="0 0 24 24" width="20" height="20" fill="none" stroke="currentColor" strokeWidth="1.5" aria-hidden="true">
          <circle cx="12" cy="12" r="2" />
          <path d="M7.8 7.8a6 6 0 0 0 0 8.4M16.2 7.8a6 6 0 0 1 0 8.4M5 5a10 10 0 0 0 0 14M19 5a10 10 0 0 1 0 14" />
        </svg>
        {status === "listening" && events.length > 0 && <span className="live-changes-count">{events.length}</span>}
      </span>
    );
  }

  function Panel() {
    const { status, events, error } = useLive();
    useEffect(() => live.start(), []); // opening the panel starts the stream; hiding it does not stop it
    return (
      <section className="live-changes" aria-label="Live changes">
        <div className="graphiql-doc-explorer-title">Live changes</div>
        <p className="live-changes-status" data-status={status}>
          {status === "listening"
            ? "Listening to statusCodeChanged: writes from any tab (or anyone else) appear here, newest first."
            : status === "connecting"
              ? "Connecting…"
              : "Stopped."}
        </p>
        {error && <p className="live-changes-error">{error}</p>}
        <p>
          {status === "listening" || status === "connecting" ? (
            <button type="button" className="graphiql-button" onClick={() => live.pause()}>
              Stop
            </button>
          ) : (
            <button type="button" className="graphiql-button" onClick={() => live.start()}>
              Listen
            </button>
          )}{" "}
          <button type="button" className="graphiql-button" onClick={() => live.clear()} disabled={!events.length}>
            Clear
          </button>
        </p>
        <ol className="live-changes-events">
          {events.map((e) => (
            <li key={`${e.code}:${e.version}`} data-kind={e.kind}>
              <time>{e.at}</time> <strong>{e.kind}</strong> {e.code} {e.reasonPhrase} <span>v{e.version}</span>
            </li>
          ))}
        </ol>
        {!events.length && status === "listening" && <p>No change yet. Run the Create tab with an editor key in its Headers to make one.</p>}
      </section>
    );
  }

  return { title: "Live changes", icon: Icon, content: Panel };
}
