import { CONSTANTS_FILE, format, isInstalled, readCommitted, readRuntime, RUNTIMES } from "../scripts/language-constants";
import { readFileSync } from "node:fs";
import { startTestApp, type TestApp } from "./support/harness";

let t: TestApp;
beforeAll(async () => (t = await startTestApp()));
afterAll(() => t.stop());

describe("When the committed language constants are checked against the runtimes on this machine", () => {
  const committed = readCommitted();

  test("then the file is the generator's own output, one reading per runtime, in order", () => {
    expect(committed.runtimes.map((r) => r.runtime)).toEqual([...RUNTIMES]);
    expect(readFileSync(CONSTANTS_FILE, "utf8")).toBe(format(committed));
  });

  // Each installed runtime is run again (builds are cached under .cache/); an absent one is skipped.
  test.each(RUNTIMES.map((r) => [r]))("then %s prints exactly what is committed", (runtime) => {
    if (!isInstalled(runtime)) return console.warn(`${runtime} is not installed here: its committed reading is not re-checked`);
    const expected = committed.runtimes.find((r) => r.runtime === runtime);
    // A different version, a renamed constant or a new code: regenerate with `npm run constants`.
    expect(readRuntime(runtime)).toEqual(expected);
  }, 180_000);
});

describe("When a client asks how languages name a code", () => {
  test("then 425 has Python's, Go's and Rust's constants and Node's phrase, and none from Java", async () => {
    const res = await t.gql<any>(`{ statusCode(code: 425) { constants { runtime version symbol reasonPhrase } } }`);
    expect(res.errors).toBeUndefined();
    const byRuntime = Object.fromEntries(res.data.statusCode.constants.map((c: any) => [c.runtime, c]));
    expect(Object.keys(byRuntime)).toEqual(["NODE", "PYTHON", "GO", "RUST"]);
    expect(byRuntime.NODE).toMatchObject({ symbol: null, reasonPhrase: "Too Early" });
    expect(byRuntime.PYTHON).toMatchObject({ symbol: "HTTPStatus.TOO_EARLY", reasonPhrase: "Too Early" });
    expect(byRuntime.GO).toMatchObject({ symbol: "http.StatusTooEarly", reasonPhrase: "Too Early" });
    expect(byRuntime.RUST).toMatchObject({ symbol: "StatusCode::TOO_EARLY", reasonPhrase: "Too Early" });
    for (const c of res.data.statusCode.constants) expect(c.version).toBe(readCommitted().runtimes.find((r) => r.runtime === c.runtime)!.version);
    const notFound = await t.gql<any>(`{ statusCode(code: 404) { constants { runtime symbol reasonPhrase } } }`);
    expect(notFound.data.statusCode.constants.find((c: any) => c.runtime === "JAVA")).toEqual({ runtime: "JAVA", symbol: "HttpURLConnection.HTTP_NOT_FOUND", reasonPhrase: null });
  });

  test("then knownTo and unknownTo hold for every runtime listed", async () => {
    const codes = async (filter: string) =>
      (await t.gql<any>(`{ statusCodes(first: 100, filter: ${filter}) { nodes { code } } }`)).data.statusCodes.nodes.map((n: any) => n.code);
    const knows = (runtime: string) => new Set(readCommitted().runtimes.find((r) => r.runtime === runtime)!.constants.map((c) => c.code));
    const all: number[] = await codes("{}");
    const python = knows("PYTHON");
    const java = knows("JAVA");
    expect(await codes("{ unknownTo: [PYTHON] }")).toEqual(all.filter((c) => !python.has(c)));
    expect(await codes("{ knownTo: [PYTHON], unknownTo: [JAVA] }")).toEqual(all.filter((c) => python.has(c) && !java.has(c)));
    expect(await codes("{ knownTo: [PYTHON, JAVA] }")).toEqual(all.filter((c) => python.has(c) && java.has(c)));
    expect(await codes("{ unknownTo: [NODE, PYTHON, GO, JAVA, RUST], registryStatus: [REGISTERED] }")).toEqual([]);
    expect(await codes("{ knownTo: [PYTHON], registryStatus: [UNREGISTERED] }")).toEqual([]);
  });
});
