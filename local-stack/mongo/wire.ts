/**
 * MongoDB wire protocol framing: OP_MSG (every command) and the legacy OP_QUERY/OP_REPLY pair, which the driver
 * still uses for the first hello on each connection unless a Stable API version is set.
 * https://www.mongodb.com/docs/manual/reference/mongodb-wire-protocol/
 */
import { BSON, type Document } from "bson";

export const OP_REPLY = 1;
export const OP_QUERY = 2004;
export const OP_MSG = 2013;

const HEADER_BYTES = 16;
/** Server limit reported in hello as maxMessageSizeBytes (MongoDB's default). */
export const MAX_MESSAGE_BYTES = 48_000_000;

const CHECKSUM_PRESENT = 1 << 0;
const MORE_TO_COME = 1 << 1;

/** Documents keep their BSON number types (Int32/Double/Long) so they round trip unchanged. */
const DESERIALIZE = { promoteValues: false } as const;

export interface Request {
  requestId: number;
  opCode: typeof OP_MSG | typeof OP_QUERY;
  /** The command document with any document sequences (OP_MSG kind 1) merged in as arrays. */
  body: Document;
  /** Database from `$db` (OP_MSG) or the collection name `db.$cmd` (OP_QUERY). */
  db: string;
  /** OP_MSG moreToCome: the client expects no reply (unacknowledged writes). */
  noReply: boolean;
}

export class ProtocolError extends Error {}

/** Splits complete messages off the front of `buffer`; returns them and the unread rest. */
export function readMessages(buffer: Buffer): { messages: Buffer[]; rest: Buffer } {
  const messages: Buffer[] = [];
  let offset = 0;
  while (buffer.length - offset >= 4) {
    const length = buffer.readInt32LE(offset);
    if (length < HEADER_BYTES || length > MAX_MESSAGE_BYTES) throw new ProtocolError(`bad message length ${length}`);
    if (buffer.length - offset < length) break;
    messages.push(buffer.subarray(offset, offset + length));
    offset += length;
  }
  return { messages, rest: buffer.subarray(offset) };
}

export function parseRequest(message: Buffer): Request {
  const requestId = message.readInt32LE(4);
  const opCode = message.readInt32LE(12);
  if (opCode === OP_MSG) return parseOpMsg(message, requestId);
  if (opCode === OP_QUERY) return parseOpQuery(message, requestId);
  throw new ProtocolError(`unsupported opCode ${opCode}`);
}

function parseOpMsg(message: Buffer, requestId: number): Request {
  const flags = message.readUInt32LE(HEADER_BYTES);
  const end = flags & CHECKSUM_PRESENT ? message.length - 4 : message.length;
  let offset = HEADER_BYTES + 4;
  let body: Document | undefined;
  const sequences: Record<string, Document[]> = {};
  while (offset < end) {
    const kind = message[offset++];
    if (kind === 0) {
      const size = message.readInt32LE(offset);
      body = BSON.deserialize(message.subarray(offset, offset + size), DESERIALIZE);
      offset += size;
    } else if (kind === 1) {
      const size = message.readInt32LE(offset);
      const sectionEnd = offset + size;
      const nameEnd = message.indexOf(0, offset + 4);
      const name = message.toString("utf8", offset + 4, nameEnd);
      const documents: Document[] = (sequences[name] ??= []);
      for (let at = nameEnd + 1; at < sectionEnd; ) {
        const docSize = message.readInt32LE(at);
        documents.push(BSON.deserialize(message.subarray(at, at + docSize), DESERIALIZE));
        at += docSize;
      }
      offset = sectionEnd;
    } else {
      throw new ProtocolError(`unknown OP_MSG section kind ${kind}`);
    }
  }
  if (!body) throw new ProtocolError("OP_MSG without a body section");
  Object.assign(body, sequences);
  return { requestId, opCode: OP_MSG, body, db: String(body.$db ?? "admin"), noReply: (flags & MORE_TO_COME) !== 0 };
}

function parseOpQuery(message: Buffer, requestId: number): Request {
  let offset = HEADER_BYTES + 4; // flags
  const nameEnd = message.indexOf(0, offset);
  const collection = message.toString("utf8", offset, nameEnd);
  offset = nameEnd + 1 + 8; // numberToSkip, numberToReturn
  const size = message.readInt32LE(offset);
  let body = BSON.deserialize(message.subarray(offset, offset + size), DESERIALIZE);
  // A read preference wraps the command: { $query: {...}, $readPreference: {...} }.
  if (body.$query && typeof body.$query === "object") body = body.$query as Document;
  return { requestId, opCode: OP_QUERY, body, db: collection.split(".")[0] ?? "admin", noReply: false };
}

let nextResponseId = 1;

function header(length: number, responseTo: number, opCode: number): Buffer {
  const buffer = Buffer.alloc(HEADER_BYTES);
  buffer.writeInt32LE(length, 0);
  buffer.writeInt32LE(nextResponseId++ & 0x7fffffff, 4);
  buffer.writeInt32LE(responseTo, 8);
  buffer.writeInt32LE(opCode, 12);
  return buffer;
}

/** The reply in the same framing as the request. */
export function encodeReply(request: Request, reply: Document): Buffer {
  const document = BSON.serialize(reply);
  if (request.opCode === OP_QUERY) {
    const fields = Buffer.alloc(20); // responseFlags, cursorID (8), startingFrom, numberReturned
    fields.writeInt32LE(1, 16);
    const length = HEADER_BYTES + fields.length + document.length;
    return Buffer.concat([header(length, request.requestId, OP_REPLY), fields, document]);
  }
  const prefix = Buffer.alloc(5); // flagBits 0, section kind 0
  const length = HEADER_BYTES + prefix.length + document.length;
  return Buffer.concat([header(length, request.requestId, OP_MSG), prefix, document]);
}
