// A local stand-in for Twilio's Messages API over HTTPS (the cluster runs APP_ENV=production,
// which accepts only an https TWILIO_API_BASE; the instances trust the cluster's CA through
// OUTBOUND_CA_FILE). It checks the account path and basic auth as Twilio would, records each
// message and answers 201 with a message sid. GET /messages lists what it received (the
// cluster test counts confirmations and duplicates there).
//
// Usage: node fake-twilio.mjs PORT CERT KEY ACCOUNT_SID AUTH_TOKEN
import { createServer } from "node:https";
import { readFileSync } from "node:fs";
import { randomBytes } from "node:crypto";

const [port, cert, key, account, token] = process.argv.slice(2);
const expectedAuth = "Basic " + Buffer.from(`${account}:${token}`).toString("base64");
const messagesPath = `/2010-04-01/Accounts/${account}/Messages.json`;
const received = [];

const server = createServer({ cert: readFileSync(cert), key: readFileSync(key) }, (req, res) => {
  let body = "";
  req.on("data", (chunk) => (body += chunk));
  req.on("end", () => {
    const reply = (status, value) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(value));
    };
    if (req.method === "GET" && req.url === "/messages") return reply(200, received);
    if (req.method !== "POST" || req.url !== messagesPath) return reply(404, { code: 20404, message: "not found" });
    if (req.headers.authorization !== expectedAuth) return reply(401, { code: 20003, message: "Authenticate" });
    const form = new URLSearchParams(body);
    if (!form.get("To")?.startsWith("whatsapp:+") || !(form.get("Body") || form.get("ContentSid"))) {
      return reply(400, { code: 21604, message: "A 'To' phone number and a body are required." });
    }
    const sid = "SM" + randomBytes(16).toString("hex");
    received.push({ sid, to: form.get("To"), body: form.get("Body") ?? "", at: new Date().toISOString() });
    reply(201, { sid, status: "queued" });
  });
});
server.listen(Number(port), "127.0.0.1", () => console.log(`fake twilio on https://127.0.0.1:${port}`));
for (const signal of ["SIGTERM", "SIGINT"]) process.on(signal, () => server.close(() => process.exit(0)));
