#!/usr/bin/env node
// Reference Borsh coder for idlgen's conformance tests: the official Anchor TypeScript coder
// (@coral-xyz/anchor, pinned in package-lock.json), driven over JSON lines so that one node
// process serves thousands of values.
//
// stdin, one JSON object per line:
//   {"op": "encode", "idl": "<path>", "kind": "type|account|instruction|event", "name": "...", "value": <tagged>}
//   {"op": "decode", "idl": "<path>", "kind": ..., "name": ..., "hex": "<bytes>"}
// stdout, one JSON object per input line, in order:
//   {"ok": true, "hex": "..."} | {"ok": true, "value": <tagged>} | {"ok": false, "error": "..."}
//
// "Tagged" JSON is the TS coder's own value shape made JSON-safe (tests/support/ts_ref.py builds it
// from canonical values): {"$bn": "<decimal>"} for BN (u64..i256), {"$pk": "<base58>"} for
// PublicKey, {"$buf": "<hex>"} for Buffer (the `bytes` type), {"$f": "Infinity"|"-Infinity"|"-0"}
// for floats JSON cannot carry, enums as {"<Variant>": {...fields, tuple fields keyed "0", "1"}}.
//
// Layouts come from the coder's own IdlCoder (exactly what BorshCoder builds internally), per item
// and on demand, so that one unsupported item (a coption, a broken generic) does not take the whole
// IDL down, and they are encoded into a buffer big enough for the value instead of the coders'
// fixed 1,000 bytes. Whenever the stock BorshCoder can be built and the encoding fits its 1,000
// bytes, the stock coder's own encode() is called too and must agree (so this wrapper cannot drift
// from the real thing).
"use strict";

const fs = require("fs");
const readline = require("readline");
const anchor = require("@coral-xyz/anchor");
// The borsh layouts anchor itself resolves (not whatever copy happens to be hoisted).
const borsh = require(require.resolve("@coral-xyz/borsh", { paths: [require.resolve("@coral-xyz/anchor")] }));
const { IdlCoder } = require("@coral-xyz/anchor/dist/cjs/coder/borsh/idl.js");
const { BN, web3 } = anchor;

const idls = new Map();

function loadIdl(path) {
  let entry = idls.get(path);
  if (entry) return entry;
  const idl = JSON.parse(fs.readFileSync(path, "utf8"));
  let coder = null;
  let coderError = null;
  try {
    coder = new anchor.BorshCoder(idl);
  } catch (e) {
    coderError = String(e && e.message ? e.message : e);
  }
  entry = { idl, coder, coderError, layouts: new Map() };
  idls.set(path, entry);
  return entry;
}

function findByName(list, name, what) {
  const item = (list || []).find((x) => x.name === name);
  if (!item) throw new Error(`${what} not found in IDL: ${name}`);
  return item;
}

function itemLayout(entry, kind, name) {
  const key = kind + "\0" + name;
  let got = entry.layouts.get(key);
  if (got) return got;
  const { idl } = entry;
  const types = idl.types || [];
  if (kind === "instruction") {
    const ix = findByName(idl.instructions, name, "instruction");
    const layout = borsh.struct(ix.args.map((arg) => IdlCoder.fieldLayout(arg, types)), name);
    got = { layout, discriminator: Buffer.from(ix.discriminator || []) };
  } else if (kind === "account" || kind === "event") {
    const item = findByName(kind === "account" ? idl.accounts : idl.events, name, kind);
    const typeDef = findByName(types, name, "type of " + kind);
    got = { layout: IdlCoder.typeDefLayout({ typeDef, types }), discriminator: Buffer.from(item.discriminator || []) };
  } else if (kind === "type") {
    const typeDef = findByName(types, name, "type");
    if (typeDef.generics && typeDef.generics.length) {
      // BorshTypesCoder filters generic typedefs out; there is no layout to ask for.
      throw new Error("BorshTypesCoder skips generic type definitions");
    }
    got = { layout: IdlCoder.typeDefLayout({ typeDef, types }), discriminator: Buffer.alloc(0) };
  } else {
    throw new Error(`unknown kind ${kind}`);
  }
  entry.layouts.set(key, got);
  return got;
}

// --- tagged JSON <-> the coder's JS values -----------------------------------------------------

function fromTagged(v) {
  if (v === null || typeof v !== "object") return v;
  if (Array.isArray(v)) return v.map(fromTagged);
  if ("$bn" in v) return new BN(v.$bn, 10);
  if ("$pk" in v) return new web3.PublicKey(v.$pk);
  if ("$buf" in v) return Buffer.from(v.$buf, "hex");
  if ("$f" in v) return v.$f === "-0" ? -0 : Number(v.$f);
  const out = {};
  for (const [k, x] of Object.entries(v)) out[k] = fromTagged(x);
  return out;
}

function toTagged(v) {
  if (v === null || v === undefined) return null;
  if (typeof v === "number") {
    if (Object.is(v, -0)) return { $f: "-0" };
    if (!Number.isFinite(v)) return { $f: String(v) };
    return v;
  }
  if (typeof v !== "object") return v;
  if (BN.isBN(v)) return { $bn: v.toString(10) };
  if (v instanceof web3.PublicKey) return { $pk: v.toBase58() };
  if (Buffer.isBuffer(v) || v instanceof Uint8Array) return { $buf: Buffer.from(v).toString("hex") };
  if (Array.isArray(v)) return v.map(toTagged);
  const out = {};
  for (const [k, x] of Object.entries(v)) out[k] = toTagged(x);
  return out;
}

// --- operations --------------------------------------------------------------------------------

function encodeBody(layout, value) {
  let size = 1 << 12;
  for (;;) {
    const buf = Buffer.alloc(size);
    try {
      const len = layout.encode(value, buf, 0);
      return buf.subarray(0, len);
    } catch (e) {
      // buffer-layout says "encoding overruns Buffer", Node's Buffer says ERR_OUT_OF_RANGE: grow and retry.
      const overrun = e instanceof RangeError && (/overruns/.test(e.message) || e.code === "ERR_OUT_OF_RANGE");
      if (overrun && size < 1 << 28) {
        size *= 4;
        continue;
      }
      throw e;
    }
  }
}

async function stockEncode(entry, kind, name, value) {
  // The unmodified coder's public encode(), for cross-checking; null when it has none for `kind`.
  const c = entry.coder;
  if (kind === "instruction") return c.instruction.encode(name, value);
  if (kind === "account") return await c.accounts.encode(name, value);
  if (kind === "type") return c.types.encode(name, value);
  return null; // BorshEventCoder only decodes
}

async function encode(req) {
  const entry = loadIdl(req.idl);
  const { layout, discriminator } = itemLayout(entry, req.kind, req.name);
  const value = fromTagged(req.value);
  const data = Buffer.concat([discriminator, encodeBody(layout, value)]);
  let stock = null;
  if (entry.coder && data.length - discriminator.length <= 1000) {
    stock = await stockEncode(entry, req.kind, req.name, fromTagged(req.value));
    if (stock && !Buffer.from(stock).equals(data)) {
      throw new Error(`internal: stock BorshCoder gives ${Buffer.from(stock).toString("hex")}, layout path ${data.toString("hex")}`);
    }
  }
  // `stock`: whether the unmodified coder's encode() was called too and agreed.
  return { ok: true, hex: data.toString("hex"), stock: !!stock };
}

function decode(req) {
  const entry = loadIdl(req.idl);
  const { layout, discriminator } = itemLayout(entry, req.kind, req.name);
  const data = Buffer.from(req.hex, "hex");
  if (!data.subarray(0, discriminator.length).equals(discriminator)) {
    throw new Error("discriminator mismatch");
  }
  const value = layout.decode(data.subarray(discriminator.length));
  const used = layout.getSpan(data.subarray(discriminator.length));
  return { ok: true, value: toTagged(value), used: used + discriminator.length };
}

// The unmodified coder's own entry points, fixed buffer and all (for the quirk probes).
async function stock(req) {
  const entry = loadIdl(req.idl);
  if (!entry.coder) throw new Error(entry.coderError);
  const out = await stockEncode(entry, req.kind, req.name, fromTagged(req.value));
  if (!out) throw new Error(`the stock coder has no encoder for ${req.kind}`);
  return { ok: true, hex: Buffer.from(out).toString("hex") };
}

function stockDecode(req) {
  const entry = loadIdl(req.idl);
  if (!entry.coder) throw new Error("no stock coder: " + entry.coderError);
  const data = Buffer.from(req.hex, "hex");
  const c = entry.coder;
  let got;
  if (req.kind === "instruction") got = c.instruction.decode(data);
  else if (req.kind === "event") got = c.events.decode(data.toString("base64"));
  else if (req.kind === "account") got = { name: req.name, data: c.accounts.decode(req.name, data) };
  else got = { name: req.name, data: c.types.decode(req.name, data) };
  return { ok: true, value: got ? { name: got.name, data: toTagged(got.data) } : null };
}

async function handle(line) {
  let req;
  try {
    req = JSON.parse(line);
  } catch (e) {
    return { ok: false, error: "bad request line: " + e.message };
  }
  try {
    if (req.op === "encode") return await encode(req);
    if (req.op === "decode") return decode(req);
    if (req.op === "stock") return await stock(req);
    if (req.op === "stock_decode") return stockDecode(req);
    if (req.op === "coder") {
      const entry = loadIdl(req.idl);
      return { ok: true, coderError: entry.coderError };
    }
    return { ok: false, error: `unknown op ${req.op}` };
  } catch (e) {
    return { ok: false, error: String(e && e.message ? e.message : e) };
  }
}

async function main() {
  const rl = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
  const out = [];
  const flush = () => {
    if (out.length) {
      process.stdout.write(out.join(""));
      out.length = 0;
    }
  };
  for await (const line of rl) {
    if (!line.trim()) continue;
    out.push(JSON.stringify(await handle(line)) + "\n");
    if (out.length >= 256) flush();
  }
  flush();
}

main().catch((e) => {
  process.stderr.write(String(e && e.stack ? e.stack : e) + "\n");
  process.exit(1);
});
