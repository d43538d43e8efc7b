import mongoose, { type Aggregate, type Connection, type Query, type Schema } from "mongoose";

const LIMITS = new WeakMap<Connection, number>();

/** Every query, update, delete and aggregation on this connection gets maxTimeMS = ms. */
export function limitQueryTime(connection: Connection, ms: number): void {
  LIMITS.set(connection, ms);
}

const QUERY_OPS = /^(find|findOne|countDocuments|distinct|updateOne|updateMany|deleteOne|deleteMany|findOneAndUpdate|replaceOne)$/;

/**
 * One place that puts QUERY_TIMEOUT_MS on every database operation that takes maxTimeMS, so
 * that no read or write can hang a request past it (GATEWAY_TIMEOUT instead); an explicit
 * maxTimeMS on a query wins. Inserts take no maxTimeMS: they are single documents or the
 * bounded seed, and the driver's server selection timeout bounds an unreachable server.
 */
function timeLimitPlugin(schema: Schema) {
  schema.pre(QUERY_OPS, function (this: Query<unknown, unknown>) {
    const ms = LIMITS.get(this.model.db);
    if (ms !== undefined && this.getOptions().maxTimeMS === undefined) this.maxTimeMS(ms);
  });
  schema.pre("aggregate", function (this: Aggregate<unknown>) {
    const ms = LIMITS.get(this.model().db);
    if (ms !== undefined && this.options.maxTimeMS === undefined) this.option({ maxTimeMS: ms });
  });
}

mongoose.plugin(timeLimitPlugin);
