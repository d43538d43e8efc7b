import { context as traceContext, ROOT_CONTEXT } from "@opentelemetry/api";
import { type DocumentNode, type ExecutionArgs, type ExecutionResult, subscribe } from "graphql";
import { BoundedQueue, SubscriberNotReading } from "../catalogue/catalogue-events";
import { DomainError } from "../errors/domain-error";
import type { AppContext } from "./context";

/** What a subscribe starts: the subscriber's results, or the one result that says why it could not start. */
export type Subscribed = AsyncIterableIterator<ExecutionResult> & { return(value?: unknown): Promise<IteratorResult<ExecutionResult>> };

/**
 * One execution per distinct subscription, its results handed to every subscriber that asked
 * for the same thing: the same document, operation and variables, under the same API key (or
 * none). Thousands of idle subscribers to a few documents are the case to plan for (a flood of
 * them, or an app's clients), and graphql-js's execution of a subscription (its execution
 * context, its mapped iterator and their closures) was 2-3 KB of an idle subscriber's 11-12 KB
 * (docs/limits.md); a subscriber here is a place in a Set and a queue that is empty while its
 * transport keeps up. Each event is also executed once, not once per subscriber.
 *
 * The key includes the API key because the principal decides what some fields show (names are
 * hidden from anonymous callers); the execution runs with the context of its first subscriber,
 * whose key is the same as every other's. Two subscribers sharing an execution may see each
 * other's results only because they are the same results.
 *
 * Each subscriber keeps its own bound (`maxUnread` results waiting): one whose transport stops
 * taking them is cut off alone (SubscriberNotReading), as it was with an execution of its own.
 * The execution ends once its last subscriber has left. A subscriber that joins a running
 * execution may get a result of an event that came just before it (one still being executed):
 * versions only grow, and a client drops what it has seen.
 */
export class SharedSubscriptions {
  private readonly executions = new Map<string, Execution>();
  /** Documents are shared by text (the document caches): their identity, as a number for the key. */
  private readonly documentIds = new WeakMap<DocumentNode, number>();
  private nextDocumentId = 0;
  private count = 0;

  constructor(private readonly maxUnread: number) {}

  /** graphql-js's `subscribe`, with the same arguments and answers: an iterator of results, or the result that refused it. */
  subscribe(args: ExecutionArgs): Promise<Subscribed | ExecutionResult> {
    const key = this.keyOf(args);
    let execution = this.executions.get(key);
    if (!execution) {
      const shared = { ...args, contextValue: sharedContext(args.contextValue as AppContext) };
      // Outside the first subscriber's request: its trace (and log lines' trace ids) would
      // otherwise parent the database work of every event, for every subscriber, for good.
      execution = traceContext.with(ROOT_CONTEXT, () =>
        new Execution(shared, this.maxUnread, () => {
          if (this.executions.get(key) === execution) this.executions.delete(key);
        }),
      );
      this.executions.set(key, execution);
    }
    return execution.join(this.counter);
  }

  /** Distinct executions running. */
  get size(): number {
    return this.executions.size;
  }

  /** Subscribers of all the executions. */
  get subscribers(): number {
    return this.count;
  }

  private readonly counter = (delta: number) => {
    this.count += delta;
  };

  private keyOf({ document, operationName, variableValues, contextValue }: ExecutionArgs): string {
    let id = this.documentIds.get(document);
    if (id === undefined) this.documentIds.set(document, (id = this.nextDocumentId++));
    const principal = (contextValue as AppContext | undefined)?.principal;
    return JSON.stringify([id, operationName ?? null, variableValues ?? null, principal?.keyId ?? null]);
  }
}

/**
 * The first subscriber's context, for as long as the execution runs: what resolvers read (the
 * services, the principal, the request's id and operation), not the rest of its request's
 * record (the API key as sent, the text and variables, the charge), which would outlive it.
 */
function sharedContext(context: AppContext): AppContext {
  const { id, operation } = context.request;
  return { ...context, request: { id, operation: { ...operation }, errorCodes: [] } };
}

/**
 * What every subscriber of an execution whose source fell behind is told: not that it did not
 * read (SubscriberNotReading, which graphql-ws answers by closing the socket, and the streams
 * log as the client's doing), but that the subscription must start again.
 */
export class ExecutionFellBehind extends DomainError {
  constructor() {
    super("SERVICE_UNAVAILABLE", "This subscription fell behind the catalogue's changes and is ended; resubscribe");
  }
}

/** One graphql-js subscription and the subscribers it serves. */
class Execution {
  private readonly subscribers = new Set<Subscriber>();
  /** Settles once graphql-js has answered: undefined once the source runs, else the result that refused it. */
  private readonly started: Promise<ExecutionResult | undefined>;
  private source?: AsyncGenerator<ExecutionResult>;
  private ended = false;

  constructor(
    args: ExecutionArgs,
    private readonly maxUnread: number,
    private readonly forget: () => void,
  ) {
    this.started = subscribe(args).then(
      (result) => {
        if (!(Symbol.asyncIterator in result)) {
          this.end();
          return result;
        }
        this.source = result;
        if (this.subscribers.size === 0) this.end();
        else void this.pump(result);
        return undefined;
      },
      (error: unknown) => {
        this.end();
        throw error;
      },
    );
  }

  /**
   * A subscriber, from now on: added at once, so that an event that comes while graphql-js is
   * still starting the execution is queued for it, as it was for an execution of its own.
   */
  async join(counter: (delta: number) => void): Promise<Subscribed | ExecutionResult> {
    const subscriber = new Subscriber(this, this.maxUnread, counter);
    this.subscribers.add(subscriber);
    counter(1);
    try {
      const refused = await this.started;
      if (refused) void subscriber.return();
      return refused ?? subscriber;
    } catch (error) {
      void subscriber.return();
      throw error;
    }
  }

  leave(subscriber: Subscriber): void {
    this.subscribers.delete(subscriber);
    if (this.subscribers.size === 0 && this.source) this.end();
  }

  private async pump(source: AsyncGenerator<ExecutionResult>): Promise<void> {
    try {
      for await (const result of source) {
        for (const subscriber of this.subscribers) subscriber.push(result);
      }
      for (const subscriber of this.subscribers) subscriber.complete();
    } catch (error) {
      // The execution's own events overflowed (a burst it took too long to execute): every
      // subscriber's, through no fault of theirs.
      const told = error instanceof SubscriberNotReading ? new ExecutionFellBehind() : error;
      for (const subscriber of this.subscribers) subscriber.fail(told);
    } finally {
      this.end();
    }
  }

  /** No more subscribers: a new one starts an execution of its own. */
  private end(): void {
    if (this.ended) return;
    this.ended = true;
    this.forget();
    void this.source?.return(undefined).catch(() => {});
  }
}

/** One subscriber's results, bounded as a catalogue subscriber's changes are (BoundedQueue). */
class Subscriber extends BoundedQueue<ExecutionResult> implements Subscribed {
  constructor(
    private readonly execution: Execution,
    maxUnread: number,
    private readonly counter: (delta: number) => void,
  ) {
    super(maxUnread);
  }

  protected leave(): void {
    this.counter(-1);
    this.execution.leave(this);
  }
}
