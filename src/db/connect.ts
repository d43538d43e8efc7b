import mongoose, { type Connection } from "mongoose";

export interface ConnectOptions {
  serverSelectionTimeoutMs: number;
}

/**
 * Opens a dedicated connection (not mongoose's global one, so tests can run several apps).
 * bufferCommands is off: with the database down a query fails after the server selection
 * timeout instead of waiting silently in mongoose's buffer.
 */
export async function connectDatabase(uri: string, options: ConnectOptions): Promise<Connection> {
  const connection = mongoose.createConnection(uri, {
    serverSelectionTimeoutMS: options.serverSelectionTimeoutMs,
    bufferCommands: false,
    autoIndex: false, // indexes are created explicitly at start, where a failure stops the boot
    autoCreate: false,
    monitorCommands: true, // lets tests and benchmarks count round trips
  });
  await connection.asPromise();
  return connection;
}
