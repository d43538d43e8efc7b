// Node: http.STATUS_CODES, the reason phrases Node's own server sends. Node has no constant names.
const http = require("node:http");
const constants = Object.entries(http.STATUS_CODES).map(([code, phrase]) => ({ code: Number(code), symbol: null, reasonPhrase: phrase }));
process.stdout.write(JSON.stringify({ version: process.version, constants }));
