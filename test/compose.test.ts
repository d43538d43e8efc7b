import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { loadConfig } from "../src/config";
import { PROJECT_ROOT } from "../src/project-root";

/**
 * docker-compose.yml cannot run here (no Docker engine): its shape is checked instead, against
 * what the API needs. What this does not show (that the images start and the replica set
 * forms) is said in the README.
 */
type Service = {
  image?: string;
  build?: string;
  profiles?: string[];
  environment?: Record<string, string>;
  depends_on?: Record<string, { condition: string }> | string[];
  networks?: Record<string, { ipv4_address?: string }> | string[];
  command?: string[];
  volumes?: string[];
  ports?: string[];
};
const compose = parse(readFileSync(join(PROJECT_ROOT, "docker-compose.yml"), "utf8"), { merge: true }) as { services: Record<string, Service> };
const services = compose.services;
const inProfile = (profile: string) => Object.entries(services).filter(([, s]) => s.profiles?.includes(profile));

describe("When the compose file describes the two topologies", () => {
  test("then every service belongs to exactly one profile, single or replicas", () => {
    for (const [name, s] of Object.entries(services)) expect([name, s.profiles]).toEqual([name, [expect.stringMatching(/^(single|replicas)$/)]]);
    expect(inProfile("single").map(([n]) => n).sort()).toEqual(["api", "mongo"]);
  });

  test("then the replicas profile has a 3-member replica set initiated by a one-shot, Redis, three APIs and a proxy", () => {
    const names = inProfile("replicas").map(([n]) => n).sort();
    expect(names).toEqual(["api-1", "api-2", "api-3", "mongo-1", "mongo-2", "mongo-3", "mongo-init", "proxy", "redis"]);
    for (const m of ["mongo-1", "mongo-2", "mongo-3"]) expect(services[m].command).toEqual(["mongod", "--replSet", "rs0", "--bind_ip_all"]);
    const init = services["mongo-init"].command!.join(" ");
    for (const m of ["mongo-1", "mongo-2", "mongo-3"]) expect(init).toContain(`host: "${m}:27017"`);
    expect(init).toContain('_id: "rs0"');
    // Bounded and evicting: anyone can register persisted queries (see test/redis-bounds.test.ts).
    const redis = services.redis.command!.join(" ");
    expect(redis).toMatch(/--maxmemory \d+mb/);
    expect(redis).toContain("--maxmemory-policy allkeys-lru");
  });

  test("then each API replica has a valid config: the replica set, Redis, and TRUST_PROXY set to exactly the proxy", () => {
    const proxyAddress = (services.proxy.networks as Record<string, { ipv4_address: string }>).backend.ipv4_address;
    for (const name of ["api-1", "api-2", "api-3"]) {
      const api = services[name];
      expect(api.build).toBe(".");
      const env = { ...api.environment!, METRICS_TOKEN: "" };
      const config = loadConfig(env); // throws on anything the API would refuse at start
      expect(config.mongodbUri).toBe("mongodb://mongo-1:27017,mongo-2:27017,mongo-3:27017/statusgraph?replicaSet=rs0");
      expect(config.redisUrl).toBe("redis://redis:6379");
      expect(config.trustProxy).toEqual([proxyAddress]);
      expect(api.depends_on).toMatchObject({ "mongo-init": { condition: "service_completed_successfully" }, redis: { condition: "service_healthy" } });
    }
  });

  test("then the proxy balances over the three replicas, upgrades WebSockets and sets X-Forwarded-For itself", () => {
    expect(services.proxy.volumes).toContain("./deploy/nginx.conf:/etc/nginx/conf.d/default.conf:ro");
    const nginx = readFileSync(join(PROJECT_ROOT, "deploy", "nginx.conf"), "utf8");
    for (const name of ["api-1", "api-2", "api-3"]) expect(nginx).toContain(`server ${name}:4000`);
    expect(nginx).toMatch(/proxy_set_header Upgrade \$http_upgrade;/);
    expect(nginx).toMatch(/proxy_set_header X-Forwarded-For \$remote_addr;/); // replaced, not appended to
  });
});
